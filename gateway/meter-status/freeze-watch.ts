/**
 * Reads each capable meter's latest daily freeze once (DL/T 645 05060001 + 05060101) and cross-checks
 * it with the gateway's readings around the freeze instant (freeze-check.ts); a mismatch beyond one
 * register resolution is an event. Each freeze is judged once: the last one judged is kept in the store
 * (kv `meterFreeze.<meterId>`), so a restart does not report it again. A freeze with no gateway reading
 * after it yet is looked at again on a later round.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { MeterDailyFreeze } from "../metering/controls.ts";
import { isNoDataReply } from "../metering/dlt645-reads.ts";
import { localDateTimeToEpochMs } from "../meter-clock/local-fields.ts";
import type { Store } from "../store/index.ts";
import { freezeMismatchEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { checkFreeze } from "./freeze-check.ts";

/** What the check needs of the meters. */
export interface FreezePort {
  /** Meters that report their daily freeze. */
  freezeMeters(): readonly string[];
  readDailyFreeze(meterId: string): Promise<MeterDailyFreeze>;
}

export interface MeterFreezeCheckDeps {
  readonly clock: Clock;
  readonly store: Store;
  readonly logger: Logger;
  readonly port: FreezePort;
  /** IANA zone of the meters' clocks. */
  readonly timeZone: string;
  readonly accountOf: (meterId: string) => string | undefined;
  /** Between rounds, ms: 60000..86400000, default 3600000. */
  readonly checkEveryMs?: number;
}

const key = (meterId: string) => `meterFreeze.${meterId}`;

export class MeterFreezeCheck {
  private timer: TimerHandle | undefined;
  private running = false;
  private round: Promise<void> = Promise.resolve();

  constructor(private readonly deps: MeterFreezeCheckDeps) {}

  start(firstDelayMs = 120_000): void {
    this.running = true;
    this.arm(firstDelayMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    await this.round;
  }

  idle(): Promise<void> {
    return this.round;
  }

  /** One round over every capable meter. Never rejects. */
  async checkNow(): Promise<void> {
    for (const meterId of this.deps.port.freezeMeters()) {
      try {
        await this.checkMeter(meterId);
      } catch (error) {
        // A meter that has not frozen a day yet answers "no requested data": nothing to check, no fault.
        if (isNoDataReply(error)) this.deps.logger.debug({ meterId }, "meter has no daily freeze yet");
        else this.deps.logger.warn({ err: error, meterId }, "meter freeze not checked");
      }
    }
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.round = this.checkNow().finally(() => this.arm(this.deps.checkEveryMs ?? 3_600_000));
    }, delayMs);
  }

  private async checkMeter(meterId: string): Promise<void> {
    const { store, port, timeZone } = this.deps;
    const freeze = await port.readDailyFreeze(meterId);
    const frozenAtMs = localDateTimeToEpochMs(freeze.frozenAt, timeZone);
    if (store.kv.get(key(meterId)) === frozenAtMs) return;
    const { before, after } = store.readings.around(meterId, frozenAtMs);
    const check = checkFreeze(freeze.energyWh, freeze.resolutionWh, before, after);
    if (check.verdict === "not-comparable") return;
    store.transaction(() => {
      if (check.verdict === "mismatch") {
        const accountId = this.deps.accountOf(meterId);
        recordEvent(
          store,
          freezeMismatchEvent({ meterId, accountId }, { frozenAtMs, frozenWh: freeze.energyWh, ...check }),
        );
      }
      store.kv.set(key(meterId), frozenAtMs);
    });
  }
}
