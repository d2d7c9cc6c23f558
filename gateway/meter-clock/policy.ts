/**
 * Whether to broadcast the time on a bus now: a pure decision over the meters' measured clock drift.
 * DL/T 645-2007 section 7.8 (0x08) sets time by broadcast only (address 999999999999), so one broadcast
 * reaches every meter of the bus; the State Grid rules (DOMAIN.md section 5) then apply to each of them:
 * at most once a day per meter, corrections up to 5 minutes, never within 5 minutes of midnight or of a
 * daily or monthly freeze (a freeze taken while the clock moves would be missed or taken twice). A meter
 * further off is not corrected by broadcast: it is reported (`clock.meter-drift`) for the platform,
 * which sets it with a secured write, and it holds its bus's broadcast, because the broadcast would
 * correct it too. Nothing is decided on a gateway clock that is not trusted.
 */
import { localEpochMs } from "./local-fields.ts";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The rules, from config; every duration in ms. */
export interface TimeSyncRules {
  readonly timeZone: string;
  /** Largest correction a broadcast may make: 1000..3600000, default 300000 (5 min, DOMAIN.md section 5). */
  readonly maxCorrectionMs: number;
  /** Drift below this is left alone (clocks are read to the second): 1000..maxCorrectionMs, default 5000. */
  readonly minCorrectionMs: number;
  /** No broadcast this close to midnight or a freeze, either side, inclusive: default 300000 (5 min). */
  readonly guardMs: number;
  /** Daily freeze times, minutes after local midnight (0..1439); DL/T 645 DI 04001203, default [0]. */
  readonly dailyFreezeMinutes: readonly number[];
  /** Monthly settlement freezes (DI 04000B01..03, day DD hour hh); default [{ day: 1, hour: 0 }]. */
  readonly monthlyFreezes: readonly { readonly day: number; readonly hour: number }[];
  /** A clock reading older than this does not count as measured: default 600000 (10 min). */
  readonly maxSampleAgeMs: number;
}

/** Defaults of {@link TimeSyncRules} other than the time zone. */
export const defaultTimeSyncRules: Omit<TimeSyncRules, "timeZone"> = {
  maxCorrectionMs: 5 * MINUTE_MS,
  minCorrectionMs: 5_000,
  guardMs: 5 * MINUTE_MS,
  dailyFreezeMinutes: [0],
  monthlyFreezes: [{ day: 1, hour: 0 }],
  maxSampleAgeMs: 10 * MINUTE_MS,
};

/** What the gateway knows of one meter's clock. */
export interface MeterClockState {
  readonly meterId: string;
  /** Meter clock minus gateway clock, ms, when last read; undefined: never read. */
  readonly driftMs: number | undefined;
  /** Epoch ms of that reading. */
  readonly measuredAtMs: number | undefined;
  /** Local date ("YYYY-MM-DD") of the last broadcast that reached the meter. */
  readonly lastSyncDay: string | undefined;
  /** Local date of the last `clock.meter-drift` report for the meter. */
  readonly driftReportedDay: string | undefined;
}

/** Why no broadcast now. */
export type NoSyncReason =
  | "clock-untrusted"
  | "not-measured"
  | "in-sync"
  | "synced-today"
  | "drift-too-large"
  | "near-midnight"
  | "near-freeze";

/** The decision for one bus. */
export interface TimeSyncDecision {
  readonly verdict:
    | { readonly action: "broadcast"; readonly meterIds: readonly string[] }
    | { readonly action: "none"; readonly reason: NoSyncReason };
  /** Meters to report as `clock.meter-drift` now (each once per local day). */
  readonly driftReports: readonly { readonly meterId: string; readonly driftMs: number }[];
}

/** The local date key ("YYYY-MM-DD") of `epochMs`. */
export function localDay(epochMs: number, timeZone: string): string {
  return new Date(Math.floor(localEpochMs(epochMs, timeZone) / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** Decides one bus at `nowMs`; `trusted`: the gateway's wall clock is trusted (clock-health.ts). */
export function decideTimeSync(
  meters: readonly MeterClockState[],
  now: { readonly wallMs: number; readonly trusted: boolean },
  rules: TimeSyncRules,
): TimeSyncDecision {
  const none = (reason: NoSyncReason, driftReports: TimeSyncDecision["driftReports"] = []) => ({
    verdict: { action: "none", reason } as const,
    driftReports,
  });
  // Drift measured against an untrusted clock means nothing; reporting it would mislead the platform.
  if (!now.trusted) return none("clock-untrusted");
  const today = localDay(now.wallMs, rules.timeZone);
  const fresh = meters.filter(
    (m): m is MeterClockState & { driftMs: number; measuredAtMs: number } =>
      m.driftMs !== undefined &&
      m.measuredAtMs !== undefined &&
      now.wallMs - m.measuredAtMs <= rules.maxSampleAgeMs,
  );
  const tooFar = fresh.filter((m) => Math.abs(m.driftMs) > rules.maxCorrectionMs);
  const driftReports = tooFar
    .filter((m) => m.driftReportedDay !== today)
    .map((m) => ({ meterId: m.meterId, driftMs: m.driftMs }));
  if (fresh.length === 0) return none("not-measured", driftReports);
  if (tooFar.length > 0) return none("drift-too-large", driftReports);
  const off = fresh.filter((m) => Math.abs(m.driftMs) >= rules.minCorrectionMs);
  if (off.length === 0) return none("in-sync");
  if (meters.some((m) => m.lastSyncDay === today)) return none("synced-today");
  const boundary = nearBoundary(now.wallMs, off, rules);
  if (boundary !== undefined) return none(boundary);
  return { verdict: { action: "broadcast", meterIds: off.map((m) => m.meterId) }, driftReports: [] };
}

/**
 * Whether midnight or a freeze lies within `guardMs` of the span the correction moves any meter's clock
 * across (from its own time to the gateway's), on the local clock. With no meters: of `wallMs` itself.
 */
export function nearBoundary(
  wallMs: number,
  meters: readonly { readonly driftMs: number }[],
  rules: TimeSyncRules,
): "near-midnight" | "near-freeze" | undefined {
  const local = localEpochMs(wallMs, rules.timeZone);
  const from = Math.min(local, ...meters.map((m) => local + m.driftMs)) - rules.guardMs;
  const to = Math.max(local, ...meters.map((m) => local + m.driftMs)) + rules.guardMs;
  let freeze = false;
  for (let day = Math.floor(from / DAY_MS) - 1; day <= Math.floor(to / DAY_MS) + 1; day++) {
    const midnight = day * DAY_MS;
    if (midnight >= from && midnight <= to) return "near-midnight";
    const dayOfMonth = new Date(midnight).getUTCDate();
    const instants = [
      ...rules.dailyFreezeMinutes.map((minute) => midnight + minute * MINUTE_MS),
      ...rules.monthlyFreezes
        .filter((f) => f.day === dayOfMonth)
        .map((f) => midnight + f.hour * 60 * MINUTE_MS),
    ];
    if (instants.some((at) => at >= from && at <= to)) freeze = true;
  }
  return freeze ? "near-freeze" : undefined;
}
