/**
 * The cut policy shared by all accounts of a gateway: notice before a cut, friendly periods, holidays,
 * relay rate cap and relay retry schedule (DOMAIN.md sections 2 and 3). Config schema and compiled form.
 */
import * as z from "zod";
import { isValidTimeZone } from "./local-time.ts";
import { lifecyclePolicyFields, compileLifecyclePolicy, type LifecyclePolicy } from "./lifecycle-policy.ts";
import {
  dailyWindowSchema,
  isoDateSchema,
  toMinuteWindow,
  weekdayNameSchema,
  weekdayNumbers,
  type MinuteWindow,
} from "./windows.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** An IANA time zone the runtime knows, e.g. "Asia/Shanghai": where local times in config are read. */
export const timeZoneSchema = z.string().refine(isValidTimeZone, { error: "is not a known IANA time zone" });

/** Relay re-drive after a read-back mismatch: 60, 120, 180 s, then hourly (DOMAIN.md section 2). */
export const relayRetryConfigSchema = z.strictObject({
  /** First re-drive delays, ms, each 1 s..1 day, at most 10. Default [60000, 120000, 180000]. */
  delaysMs: z
    .array(z.int().min(1000).max(DAY_MS))
    .max(10)
    .default([MINUTE_MS, 2 * MINUTE_MS, 3 * MINUTE_MS]),
  /** Delay between re-drives once `delaysMs` is used up, ms, 1 min..1 day. Default 3600000 (hourly). */
  thenEveryMs: z.int().min(MINUTE_MS).max(DAY_MS).default(HOUR_MS),
});

/**
 * The cut policy:
 * - `cutNoticeMs`: 0..7 days, default 30 min: a cut is announced this long before it is executed (the
 *   30-minute re-notice of 供电营业规则 Art. 67, DOMAIN.md section 3).
 * - `friendlyPeriods`: daily local windows in which no cut is executed. Default 18:00-08:00 (UPPCL).
 * - `friendlyDays`: weekdays without cuts. Default ["sat", "sun"] (Ofgem friendly credit covers weekends).
 * - `holidays`: local dates without cuts, "YYYY-MM-DD".
 * - `maxRelayOpsPerHour`: 1..60, default 4: relay state changes per meter per rolling hour; more are deferred.
 * - `relayRetry`: read-back mismatch re-drive schedule.
 * - `clockToleranceMs`: 1 s..1 h, default 10 s: wall vs monotonic disagreement tolerated between two inputs
 *   before the wall clock is treated as having jumped (no cut, no charge on that input).
 * - `keepPowerAfterSilenceMin`: 1..10080, absent = off: no automatic cut executes once no valid platform
 *   message (an admitted signed command) has arrived for this long; announced cuts wait until one does
 *   (DL/T 698.45 object 8001, automatic keep-power without master-station contact). Platforms should send
 *   a signed command periodically (`time.check` every few minutes); a broker connection alone is not contact.
 * - `keepPowerAfterBootMin`: 0..1440, default 0: no automatic cut in the first minutes after the gateway starts.
 * - `keepPowerPeriods`: up to 24 daily local windows without automatic cuts (8001's keep-power periods).
 * - `tripMaxCurrentA`: 0.1..10000 A, absent = off: a due cut waits while the meter reports more current
 *   than this and is retried on each reading (opening under load wears contacts; 远程拉闸保护).
 * - `tripMaxDeferMin`: 1..10080, default 60: a cut waiting for the load longer than this is reported
 *   (`cut.load-deferred-long`) for the platform to decide; it keeps waiting.
 */
export const policyConfigSchema = z.strictObject({
  cutNoticeMs: z
    .int()
    .min(0)
    .max(7 * DAY_MS)
    .default(30 * MINUTE_MS),
  friendlyPeriods: z
    .array(dailyWindowSchema)
    .max(24)
    .default([{ from: "18:00", to: "08:00" }]),
  friendlyDays: z.array(weekdayNameSchema).max(7).default(["sat", "sun"]),
  holidays: z.array(isoDateSchema).max(1000).default([]),
  maxRelayOpsPerHour: z.int().min(1).max(60).default(4),
  relayRetry: relayRetryConfigSchema.prefault({}),
  clockToleranceMs: z.int().min(1000).max(HOUR_MS).default(10_000),
  keepPowerAfterSilenceMin: z.int().min(1).max(10_080).optional(),
  keepPowerAfterBootMin: z.int().min(0).max(1440).default(0),
  keepPowerPeriods: z.array(dailyWindowSchema).max(24).default([]),
  tripMaxCurrentA: z.number().min(0.1).max(10_000).optional(),
  tripMaxDeferMin: z.int().min(1).max(10_080).default(60),
  ...lifecyclePolicyFields,
});
/** A validated policy config; compile with {@link compilePolicy}. */
export type PolicyConfig = z.output<typeof policyConfigSchema>;

/** The compiled policy (see {@link policyConfigSchema} for meanings and bounds). */
export interface Policy {
  readonly cutNoticeMs: number;
  readonly friendlyWindows: readonly MinuteWindow[];
  /** Date.getUTCDay numbers, 0 = Sunday. */
  readonly friendlyDays: ReadonlySet<number>;
  /** "YYYY-MM-DD" local dates. */
  readonly holidays: ReadonlySet<string>;
  readonly maxRelayOpsPerHour: number;
  readonly relayRetryDelaysMs: readonly number[];
  readonly relayRetryEveryMs: number;
  readonly clockToleranceMs: number;
  /** Optional here so policies built by hand stay valid; compilePolicy sets each. Absent/undefined = off. */
  readonly keepPowerAfterSilenceMs?: number | undefined;
  readonly keepPowerAfterBootMs?: number;
  readonly keepPowerWindows?: readonly MinuteWindow[];
  readonly tripMaxCurrentA?: number | undefined;
  readonly tripMaxDeferMs?: number;
  /** Account lifecycle settings (lifecycle-policy.ts); absent in hand-built policies: the defaults. */
  readonly lifecycle?: LifecyclePolicy;
}

/** Compiles a validated policy config (output of {@link policyConfigSchema}). */
export function compilePolicy(config: PolicyConfig): Policy {
  return {
    cutNoticeMs: config.cutNoticeMs,
    friendlyWindows: config.friendlyPeriods.map((w) => toMinuteWindow(w.from, w.to)),
    friendlyDays: weekdayNumbers(config.friendlyDays),
    holidays: new Set(config.holidays),
    maxRelayOpsPerHour: config.maxRelayOpsPerHour,
    relayRetryDelaysMs: [...config.relayRetry.delaysMs],
    relayRetryEveryMs: config.relayRetry.thenEveryMs,
    clockToleranceMs: config.clockToleranceMs,
    keepPowerAfterSilenceMs:
      config.keepPowerAfterSilenceMin === undefined ? undefined : config.keepPowerAfterSilenceMin * MINUTE_MS,
    keepPowerAfterBootMs: config.keepPowerAfterBootMin * MINUTE_MS,
    keepPowerWindows: config.keepPowerPeriods.map((w) => toMinuteWindow(w.from, w.to)),
    tripMaxCurrentA: config.tripMaxCurrentA,
    tripMaxDeferMs: config.tripMaxDeferMin * MINUTE_MS,
    lifecycle: compileLifecyclePolicy(config),
  };
}

/** The policy with every default: `compilePolicy(policyConfigSchema.parse({}))`. */
export function defaultPolicy(): Policy {
  return compilePolicy(policyConfigSchema.parse({}));
}

/** Delay before re-drive number `attempt` (0-based) of a mismatched relay, ms. */
export function relayRetryDelayMs(policy: Policy, attempt: number): number {
  return policy.relayRetryDelaysMs[attempt] ?? policy.relayRetryEveryMs;
}
