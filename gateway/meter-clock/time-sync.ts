/**
 * The broadcast time sync (DOMAIN.md section 5) as a feature on the injected Clock. Every `checkEveryMs`
 * it reads the clock of each meter of a bus not yet settled today, decides with the pure
 * {@link decideTimeSync}, and broadcasts when the rules allow. The "synced today" mark is committed
 * BEFORE the broadcast goes out, so a crash between the two can cost a day's sync but never cause a
 * second one; a broadcast that fails gives the mark back. Nothing happens while the gateway's own clock
 * is not trusted (clock-health.ts): a meter set from a wrong clock is worse than one left alone.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { LocalDateTime } from "../metering/controls.ts";
import type { Store } from "../store/index.ts";
import { meterClockSyncedEvent, meterDriftEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { localDateTimeToEpochMs, toLocalDateTime } from "./local-fields.ts";
import {
  decideTimeSync,
  localDay,
  nearBoundary,
  type MeterClockState,
  type TimeSyncRules,
} from "./policy.ts";

/** What the feature needs of the buses: which can broadcast the time, their clocks, the broadcast. */
export interface MeterClockPort {
  /** Buses that can broadcast the time, each with its meters that keep a readable clock. */
  clockBuses(): readonly { readonly busId: string; readonly meterIds: readonly string[] }[];
  /** Reads a meter's clock (bounded by the bus's timeouts; rejects with a GatewayError). */
  readMeterClock(meterId: string): Promise<LocalDateTime>;
  /** Broadcasts `time()` on a bus (called just before the frame is built). */
  broadcastTime(busId: string, time: () => LocalDateTime): Promise<void>;
}

/** What is kept per meter across restarts (store kv `meterClock.<meterId>`). */
interface StoredMeterClock {
  lastSyncDay?: string;
  driftReportedDay?: string;
}

export interface MeterTimeSyncDeps {
  readonly clock: Clock;
  readonly store: Store;
  readonly logger: Logger;
  readonly port: MeterClockPort;
  readonly rules: TimeSyncRules;
  /** Whether the gateway's wall clock is trusted now (GatewayClockHealth.check().ok). */
  readonly clockTrusted: () => boolean;
  /** Between rounds, ms: 60000..86400000, default 3600000. */
  readonly checkEveryMs?: number;
}

const key = (meterId: string) => `meterClock.${meterId}`;
const busKey = (busId: string) => `meterClock.bus.${busId}`;

export class MeterTimeSync {
  private timer: TimerHandle | undefined;
  private running = false;
  private round: Promise<void> = Promise.resolve();

  constructor(private readonly deps: MeterTimeSyncDeps) {}

  /** Runs a first round after `firstDelayMs` (default 60000, once polls are under way), then every `checkEveryMs`. */
  start(firstDelayMs = 60_000): void {
    this.running = true;
    this.arm(firstDelayMs);
  }

  /** No further rounds; resolves when the round in hand (if any) is done. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** Resolves when the round in hand (if any) is done. */
  idle(): Promise<void> {
    return this.round;
  }

  /** One round over every bus now (what the timer runs). Never rejects. */
  async checkNow(): Promise<void> {
    const { clock, rules, logger, port } = this.deps;
    if (!this.deps.clockTrusted()) {
      logger.info("meter time sync skipped: the gateway's clock is not trusted");
      return;
    }
    // Reading a clock across midnight could pair one day's date with the next day's time.
    if (nearBoundary(clock.now(), [], rules) !== undefined) return;
    const today = localDay(clock.now(), rules.timeZone);
    for (const bus of port.clockBuses()) {
      if (this.deps.store.kv.get(busKey(bus.busId)) === today) continue;
      try {
        await this.syncBus(bus.busId, bus.meterIds, today);
      } catch (error) {
        logger.error({ err: error, busId: bus.busId }, "meter time sync failed");
      }
    }
  }

  private arm(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.round = this.checkNow().finally(() => this.arm(this.deps.checkEveryMs ?? 3_600_000));
    }, delayMs);
  }

  private async syncBus(busId: string, meterIds: readonly string[], today: string): Promise<void> {
    const { store, rules, clock, port, logger } = this.deps;
    const states: MeterClockState[] = [];
    for (const meterId of meterIds)
      states.push({ ...(await this.measure(meterId)), ...this.stored(meterId) });
    const decision = decideTimeSync(
      states,
      { wallMs: clock.now(), trusted: this.deps.clockTrusted() },
      rules,
    );
    const { verdict } = decision;
    const settled =
      verdict.action === "broadcast" ||
      !["not-measured", "near-midnight", "near-freeze"].includes(verdict.reason);
    store.transaction(() => {
      for (const report of decision.driftReports) {
        recordEvent(
          store,
          meterDriftEvent(report.meterId, { busId, ...report, maxCorrectionMs: rules.maxCorrectionMs }),
        );
        this.update(report.meterId, { driftReportedDay: today });
      }
      if (verdict.action === "broadcast")
        for (const meterId of meterIds) this.update(meterId, { lastSyncDay: today });
      if (settled) store.kv.set(busKey(busId), today);
    });
    if (verdict.action !== "broadcast") {
      logger.debug({ busId, reason: verdict.reason }, "no time broadcast");
      return;
    }
    try {
      await port.broadcastTime(busId, () => toLocalDateTime(clock.now(), rules.timeZone));
    } catch (error) {
      // Nothing went out: the day's sync is still to be done.
      store.transaction(() => {
        for (const state of states) this.update(state.meterId, { lastSyncDay: state.lastSyncDay });
        store.kv.delete(busKey(busId));
      });
      throw error;
    }
    const corrected = states
      .filter((s) => verdict.meterIds.includes(s.meterId))
      .map((s) => ({ meterId: s.meterId, driftMs: s.driftMs ?? 0 }));
    store.transaction(() => recordEvent(store, meterClockSyncedEvent(busId, corrected)));
    logger.info({ busId, corrected }, "time broadcast");
  }

  /** Reads a meter's clock: drift = meter time minus the gateway time at the middle of the read. */
  private async measure(
    meterId: string,
  ): Promise<Pick<MeterClockState, "meterId" | "driftMs" | "measuredAtMs">> {
    const { clock, port, rules, logger } = this.deps;
    const before = clock.now();
    try {
      const local = await port.readMeterClock(meterId);
      const after = clock.now();
      const midMs = Math.round((before + after) / 2);
      // The meter shows whole seconds: its true time is half a second later on average.
      const meterMs = localDateTimeToEpochMs(local, rules.timeZone) + 500;
      return { meterId, driftMs: meterMs - midMs, measuredAtMs: after };
    } catch (error) {
      logger.warn({ err: error, meterId }, "could not read the meter's clock");
      return { meterId, driftMs: undefined, measuredAtMs: undefined };
    }
  }

  private stored(meterId: string): Pick<MeterClockState, "lastSyncDay" | "driftReportedDay"> {
    const stored = (this.deps.store.kv.get(key(meterId)) ?? {}) as StoredMeterClock;
    return { lastSyncDay: stored.lastSyncDay, driftReportedDay: stored.driftReportedDay };
  }

  private update(meterId: string, patch: Partial<Record<keyof StoredMeterClock, string | undefined>>): void {
    const next: Record<string, unknown> = { ...this.stored(meterId), ...patch };
    for (const [field, value] of Object.entries(next)) if (value === undefined) delete next[field];
    this.deps.store.kv.set(key(meterId), next);
  }
}
