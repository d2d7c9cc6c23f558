/**
 * The cost-control safeguards of the cutoff decision (decision.ts), as State Grid terminals and meters
 * have them (DOMAIN.md sections 2 and 5; DL/T 698.45 object 8001):
 * - keep-power: no automatic cut after boot, while the platform is silent, or in a keep-power period;
 * - heavy load: a cut waits while the meter draws more than tripMaxCurrentA, reported after tripMaxDeferMin;
 * - pre-trip: a short warning cut, closed again after its minutes, before the final cut;
 * - close not allowed: no close until the platform lifts it.
 * Internal to the decision; each works on the step being decided.
 */
import { defer, emit, type Step } from "./decision-step.ts";
import type { CutReason, KeepPowerReason, RestoreReason } from "./decision-types.ts";
import { friendlyStatus } from "./friendly.ts";

/** A keep-power safeguard in force, and when it lapses (epoch ms; undefined = when contact returns). */
export interface KeepPowerHold {
  readonly reason: KeepPowerReason;
  readonly untilMs: number | undefined;
}

/**
 * The keep-power safeguard in force at the step's input, if any. Applies to automatic (money) cuts
 * only: a remote cut is the platform's own order, so it has contact when it gives one.
 */
export function keepPowerHold(step: Step): KeepPowerHold | undefined {
  const { input, config } = step;
  const { policy, contact } = config;
  if (contact !== undefined) {
    const bootMs = policy.keepPowerAfterBootMs ?? 0;
    const sinceBoot = input.monoMs - contact.bootMonoMs;
    if (sinceBoot < bootMs) return { reason: "keep-power-boot", untilMs: input.wallMs + bootMs - sinceBoot };
    const silenceMs = policy.keepPowerAfterSilenceMs;
    const heardMonoMs = contact.lastMessageMonoMs ?? contact.bootMonoMs;
    if (contact.watched && silenceMs !== undefined && input.monoMs - heardMonoMs >= silenceMs)
      return { reason: "keep-power-silence", untilMs: undefined };
  }
  const windows = policy.keepPowerWindows ?? [];
  if (windows.length === 0) return undefined;
  // The friendly-period search over the keep-power windows alone finds where they end.
  const noDays = new Set<never>();
  const period = friendlyStatus(
    { ...policy, friendlyWindows: windows, friendlyDays: noDays, holidays: noDays },
    config.timeZone,
    input.wallMs,
  );
  return period === undefined ? undefined : { reason: "keep-power-period", untilMs: period.untilMs };
}

/**
 * Whether a due cut must wait for the load to drop (true: deferred, reported once; after tripMaxDeferMin
 * reported once more for the platform to decide). Clears the wait when the load allows the cut.
 */
export function heldByLoad(step: Step, cut: CutReason): boolean {
  const { draft, input, config } = step;
  const maxA = config.policy.tripMaxCurrentA;
  if (maxA === undefined || draft.loadA === undefined || draft.loadA <= maxA) {
    clearLoadWait(step);
    return false;
  }
  draft.heavySinceMonoMs ??= input.monoMs;
  defer(step, { action: "cut", cut, reason: "heavy-load", untilMs: undefined });
  const waitedMs = input.monoMs - draft.heavySinceMonoMs;
  if (draft.heavyReported !== true && waitedMs >= (config.policy.tripMaxDeferMs ?? Infinity)) {
    draft.heavyReported = true;
    emit(step, {
      type: "trip-deferred-long",
      cut,
      currentA: draft.loadA,
      sinceMs: input.wallMs - waitedMs,
    });
  }
  return true;
}

/** No cut waits for the load (any more). */
export function clearLoadWait(step: Step): void {
  delete step.draft.heavySinceMonoMs;
  delete step.draft.heavyReported;
}

/**
 * What a running pre-trip wants now: open until its minutes are over, then closed until the final cut
 * is due (undefined: no pre-trip, or the final cut is due and the money rule decides).
 */
export function preTripTarget(
  step: Step,
): { position: "open"; cut: CutReason } | { position: "closed"; reason: RestoreReason } | undefined {
  const { draft, input } = step;
  if (draft.preTrip === undefined) return undefined;
  if (input.monoMs < draft.preTrip.restoreMonoMs) return { position: "open", cut: "pre-trip" };
  if (input.monoMs < draft.preTrip.finalMonoMs) return { position: "closed", reason: "pre-trip-over" };
  return undefined;
}

/** A pre-trip cut was executed: the relay closes after offMs, the final cut follows finalAfterMs later. */
export function startPreTrip(step: Step): void {
  const { draft, input, config } = step;
  const preTrip = config.preTrip;
  if (preTrip === undefined) return;
  const restoreMonoMs = input.monoMs + preTrip.offMs;
  draft.preTrip = { restoreMonoMs, finalMonoMs: restoreMonoMs + preTrip.finalAfterMs };
}

/** Whether the money rule's due cut is the pre-trip (configured, and none has run for this notice). */
export function pretripDue(step: Step): boolean {
  return step.config.preTrip !== undefined && step.draft.preTrip === undefined;
}

/**
 * Whether "close not allowed" withholds this close (reported once per withheld close). Lifting it lets
 * the close go ahead for the reason it had.
 */
export function closeBlocked(step: Step, reason: RestoreReason): boolean {
  const { draft, config } = step;
  if (config.closeNotAllowed !== true) {
    delete draft.blockedRestore;
    return false;
  }
  if (draft.blockedRestore === undefined) emit(step, { type: "restore-blocked", restore: reason });
  draft.blockedRestore = reason;
  return true;
}
