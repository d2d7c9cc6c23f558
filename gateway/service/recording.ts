/**
 * What the buses report, recorded: readings into stored, charged batches (ReadingFlow; then the meter
 * directory remembers them and the uplink is woken and publishes the meters' states), and bus and meter
 * states into events (MeterEventRecorder); a committed change a meter's state shows outside its own
 * reading (`meter.shown`: a balance, a relay read-back) is handed to the uplink as well. One feature, so
 * the composition root wires it in one line.
 */
import type { Clock } from "../../core/clock.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { Logger } from "../../core/logger.ts";
import type { GatewayEvents } from "../events.ts";
import type { ReadingBilling } from "../ingest/ingest.ts";
import type { Reading } from "../metering/reading.ts";
import type { Store } from "../store/index.ts";
import type { DiskGuard } from "./disk-guard.ts";
import { MeterEventRecorder } from "./meter-events.ts";
import { ReadingFlow } from "./reading-flow.ts";
import type { StoreFailures } from "./store-failures.ts";

export interface RecordingDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: EventBus<GatewayEvents>;
  readonly store: Store;
  readonly disk: Pick<DiskGuard, "write">;
  readonly failures: StoreFailures;
  readonly billing: ReadingBilling;
  /** Keeps the latest reading of each meter (status, the retained meter state). */
  readonly directory: { remember(batch: readonly Reading[]): void };
  /** The uplink's side: new outbox records, and a meter whose retained state changed. */
  readonly uplink: { outboxChanged(): void; publishMeterState(meterId: string): void };
}

export class Recording {
  private readonly readingFlow: ReadingFlow;
  private readonly meterEvents: MeterEventRecorder;
  private stopShown: (() => void) | undefined;

  constructor(private readonly deps: RecordingDeps) {
    const { directory, uplink, events, store } = deps;
    this.readingFlow = new ReadingFlow({
      ...deps,
      afterStored: (batch) => {
        directory.remember(batch);
        uplink.outboxChanged();
        for (const reading of batch) uplink.publishMeterState(reading.meterId);
      },
    });
    const onMeterState = (meterId: string) => uplink.publishMeterState(meterId);
    this.meterEvents = new MeterEventRecorder({ events, store, onMeterState });
  }

  /** Last known state of each bus, for /status and /healthz. */
  get busStates(): ReadonlyMap<string, "up" | "down"> {
    return this.meterEvents.busStates;
  }

  start(): void {
    this.readingFlow.start();
    this.meterEvents.start();
    const { events, uplink } = this.deps;
    this.stopShown = events.on("meter.shown", ({ meterId }) => uplink.publishMeterState(meterId));
  }

  /** Stores the readings collected so far (at shutdown: the polls that finished). */
  flush(): void {
    this.readingFlow.flush();
  }

  stop(): void {
    this.readingFlow.stop();
    this.meterEvents.stop();
    this.stopShown?.();
    this.stopShown = undefined;
  }
}
