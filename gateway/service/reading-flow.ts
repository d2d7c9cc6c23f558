/**
 * From `reading` events to stored, charged batches: the batcher collects readings, and each batch is
 * stored and charged in one unit of work through the disk guard (batch-sink.ts says what happens when it
 * fails). After a batch is stored, `afterStored` hands it on (meter states, the uplink's wake-up).
 */
import type { Clock } from "../../core/clock.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { Logger } from "../../core/logger.ts";
import type { GatewayEvents } from "../events.ts";
import type { Reading } from "../metering/reading.ts";
import type { Store } from "../store/index.ts";
import { ReadingIngest, type ReadingBilling } from "../ingest/ingest.ts";
import { batchSink } from "./batch-sink.ts";
import type { DiskGuard } from "./disk-guard.ts";
import { ReadingBatcher } from "./reading-batcher.ts";
import type { StoreFailures } from "./store-failures.ts";

export interface ReadingFlowDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: EventBus<GatewayEvents>;
  readonly store: Store;
  readonly disk: Pick<DiskGuard, "write">;
  /** Billing, which the ingest stage (gateway/ingest/) hands each stored batch to. */
  readonly billing: ReadingBilling;
  readonly failures: StoreFailures;
  readonly afterStored: (batch: readonly Reading[]) => void;
}

export class ReadingFlow {
  private batcher: ReadingBatcher | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: ReadingFlowDeps) {}

  start(): void {
    const { clock, logger, events, store, disk, failures, afterStored } = this.deps;
    const ingest = new ReadingIngest(store, this.deps.billing);
    const batcher = new ReadingBatcher(
      clock,
      batchSink({
        ingest: (batch) => disk.write(() => ingest.ingest(batch), batch.length),
        store,
        logger,
        failures,
        afterStored,
      }),
    );
    this.batcher = batcher;
    this.unsubscribe = events.on("reading", (reading) => {
      // Not an object per reading for a line that is off unless someone debugs.
      if (logger.isLevelEnabled("debug"))
        logger.debug({ meterId: reading.meterId, values: reading.values }, "reading");
      batcher.push(reading);
    });
  }

  /** Stores what is collected now (at shutdown: the polls that finished). */
  flush(): void {
    this.batcher?.flush();
  }

  /** Stores what is left and takes no more readings. */
  stop(): void {
    this.flush();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
