/**
 * Monotonic deadlines of the cutoff decision across a restart or a monotonic reset (decision.ts):
 * notice, re-drives, the rate cap's window, a pre-trip and a load wait. Internal to the decision.
 */
import type { ClockSample } from "./clock-check.ts";
import type { Step } from "./decision-step.ts";

/**
 * A new run of the process: its monotonic clock started again. The notice, re-drive times and relay
 * operations of the last hour move into the new frame by the wall time that passed (never less than 0),
 * so the rate cap still counts the operations before the restart at their real age.
 */
export function carryIntoRun(step: Step, shift: number): void {
  const { draft } = step;
  draft.relayOpsMonoMs = draft.relayOpsMonoMs.map((t) => t + shift);
  if (draft.notice !== undefined)
    draft.notice = { ...draft.notice, dueMonoMs: draft.notice.dueMonoMs + shift };
  if (draft.mismatch !== undefined)
    draft.mismatch = { ...draft.mismatch, nextMonoMs: draft.mismatch.nextMonoMs + shift };
  if (draft.preTrip !== undefined)
    draft.preTrip = {
      restoreMonoMs: draft.preTrip.restoreMonoMs + shift,
      finalMonoMs: draft.preTrip.finalMonoMs + shift,
    };
  if (draft.heavySinceMonoMs !== undefined) draft.heavySinceMonoMs += shift;
}

/** Monotonic time went back within one run: deadlines are meaningless, re-derive them from the wall clock. */
export function rebaseMonotonic(step: Step, now: ClockSample): void {
  const { draft, config } = step;
  // Unknown ages: count recent relay operations as just done (the cap errs on the side of fewer operations).
  draft.relayOpsMonoMs = draft.relayOpsMonoMs.map(() => now.monoMs);
  if (draft.notice !== undefined) {
    const remaining = Math.min(Math.max(draft.notice.plannedAtMs - now.wallMs, 0), config.policy.cutNoticeMs);
    draft.notice = { ...draft.notice, dueMonoMs: now.monoMs + remaining };
  }
  if (draft.mismatch !== undefined) draft.mismatch = { ...draft.mismatch, nextMonoMs: now.monoMs };
  // A pre-trip in progress ends now (the supply comes back sooner, never later); a load wait starts again.
  if (draft.preTrip !== undefined) {
    const finalAfterMs = Math.max(draft.preTrip.finalMonoMs - draft.preTrip.restoreMonoMs, 0);
    draft.preTrip = { restoreMonoMs: now.monoMs, finalMonoMs: now.monoMs + finalAfterMs };
  }
  if (draft.heavySinceMonoMs !== undefined) draft.heavySinceMonoMs = now.monoMs;
}
