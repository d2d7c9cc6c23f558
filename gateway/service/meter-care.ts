/**
 * What the gateway does for meters that keep their own state (DL/T 645): each polled status word 3 and
 * event counter is diffed into events once per change (meter-status/), their own daily freeze is
 * cross-checked with the gateway's readings, and their clocks are read daily and set by broadcast within
 * the State Grid rules (meter-clock/). Modbus meters report neither and are
 * left alone.
 */
import type { Clock } from "../../core/clock.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { Logger } from "../../core/logger.ts";
import type { GatewayEvents } from "../events.ts";
import { defaultTimeSyncRules } from "../meter-clock/policy.ts";
import { MeterTimeSync, type MeterClockPort } from "../meter-clock/time-sync.ts";
import { MeterFreezeCheck, type FreezePort } from "../meter-status/freeze-watch.ts";
import { observationOf } from "../meter-status/from-reading.ts";
import { MeterStatusWatch } from "../meter-status/watch.ts";
import type { Reading } from "../metering/reading.ts";
import type { Store } from "../store/index.ts";

export interface MeterCareDeps {
  readonly clock: Clock;
  readonly events: EventBus<GatewayEvents>;
  readonly store: Store;
  readonly logger: Logger;
  /** IANA zone the meters' clocks are set in (the gateway's timezone). */
  readonly timeZone: string;
  /** The meters' clocks and broadcast (MeterControlPort), and which account each bills to. */
  readonly meters: {
    readonly controls: MeterClockPort & FreezePort;
    accountOf(meterId: string): string | undefined;
  };
  /** Whether the gateway's own clock is trusted now (clock-health.ts). */
  readonly clockTrusted: () => boolean;
  /** Whether a restore by allow-close waits for the customer's button at the meter. */
  readonly awaitingButton: (meterId: string) => boolean;
}

export class MeterCare {
  private unsubscribe: (() => void) | undefined;
  private timeSync: MeterTimeSync | undefined;
  private freezeCheck: MeterFreezeCheck | undefined;

  constructor(private readonly deps: MeterCareDeps) {}

  start(): void {
    const { clock, events, store, logger, timeZone, meters, clockTrusted } = this.deps;
    const watch = new MeterStatusWatch(store);
    this.unsubscribe = events.on("reading", (reading) => this.observe(watch, reading));
    this.timeSync = new MeterTimeSync({
      clock,
      store,
      logger,
      port: meters.controls,
      rules: { ...defaultTimeSyncRules, timeZone },
      clockTrusted,
    });
    this.timeSync.start();
    const accountOf = (meterId: string) => meters.accountOf(meterId);
    this.freezeCheck = new MeterFreezeCheck({
      clock,
      store,
      logger,
      port: meters.controls,
      timeZone,
      accountOf,
    });
    this.freezeCheck.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.timeSync?.stop();
    await this.freezeCheck?.stop();
  }

  private observe(watch: MeterStatusWatch, reading: Reading): void {
    const observation = observationOf(reading.values, this.deps.awaitingButton(reading.meterId));
    if (observation === undefined) return;
    try {
      watch.observe(reading.meterId, this.deps.meters.accountOf(reading.meterId), observation);
    } catch (error) {
      this.deps.logger.error({ err: error, meterId: reading.meterId }, "meter status not recorded");
    }
  }
}
