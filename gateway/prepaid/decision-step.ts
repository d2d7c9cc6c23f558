/**
 * Relay bookkeeping for decision.ts: the per-call working data, the rate cap, deferral reporting, read-back
 * mismatch re-drives and wake requests. Internal to the decision; not exported from the package.
 */
import type {
  DecisionConfig,
  DecisionEffect,
  DecisionEvent,
  DecisionInput,
  DecisionState,
  Deferral,
  RelayPosition,
  RestoreReason,
} from "./decision-types.ts";
import { relayRetryDelayMs } from "./policy.ts";

/** The rate cap's rolling window, ms. */
export const HOUR_MS = 3_600_000;
/** A cut held by an untrusted clock is retried this soon (the next consistent input decides). */
const CLOCK_RETRY_MS = 60_000;
/** Wakes closer than this to the one already requested are not requested again. */
const WAKE_SLACK_MS = 1_000;

/** The state being built by one call (mutable copy). */
export type Draft = { -readonly [K in keyof DecisionState]: DecisionState[K] };

/** Working data of one decide() call. */
export interface Step {
  readonly s: Draft;
  readonly input: DecisionInput;
  readonly config: DecisionConfig;
  readonly clockOk: boolean;
  readonly effects: DecisionEffect[];
  /** Why closing would be wanted, as established by this input. */
  restoreReason: RestoreReason | undefined;
  heldByClock: boolean;
}

/** Adds an audit event to the effects. */
export function emit(step: Step, event: DecisionEvent): void {
  step.effects.push({ kind: "event", event });
}

/** Numbers a relay command (executeCut / restore effect) and returns its number. */
export function nextCommand(step: Step): number {
  step.s.relayCommand = (step.s.relayCommand ?? 0) + 1;
  return step.s.relayCommand;
}

/**
 * Records a read-back; a disagreement with the commanded position starts the re-drive schedule, once.
 * A position read before the latest command was written cannot agree or disagree with it: ignored.
 */
export function readBack(step: Step, position: RelayPosition, afterCommand: number): void {
  const { s, input, config } = step;
  if (afterCommand < (s.relayCommand ?? 0)) return;
  if (position === s.relay) {
    if (s.mismatch !== undefined) emit(step, { type: "relay-mismatch-cleared", position });
    s.mismatch = undefined;
  } else if (s.mismatch === undefined || s.mismatch.expected !== s.relay) {
    emit(step, { type: "relay-mismatch", expected: s.relay, actual: position });
    s.mismatch = {
      expected: s.relay,
      attempt: 0,
      nextMonoMs: input.monoMs + relayRetryDelayMs(config.policy, 0),
    };
  }
}

/** Epoch ms when the per-hour cap allows another relay change, or undefined when it allows one now. */
export function rateCapUntil(step: Step): number | undefined {
  const { s, input, config } = step;
  if (s.relayOpsMonoMs.length < config.policy.maxRelayOpsPerHour) return undefined;
  const oldest = Math.min(...s.relayOpsMonoMs);
  return input.wallMs + (oldest + HOUR_MS - input.monoMs);
}

/** Records a deferral and reports it once per change (not on every tick while it lasts). */
export function defer(step: Step, deferral: Deferral): void {
  const previous = step.s.deferral;
  if (
    previous?.action === deferral.action &&
    previous.reason === deferral.reason &&
    previous.untilMs === deferral.untilMs
  ) {
    return;
  }
  step.s.deferral = deferral;
  if (deferral.action === "cut") {
    step.effects.push({
      kind: "deferCut",
      cut: deferral.cut,
      reason: deferral.reason,
      untilMs: deferral.untilMs,
    });
  } else {
    emit(step, { type: "restore-deferred", reason: "rate-limit", untilMs: deferral.untilMs });
  }
}

/** Re-drives a mismatched relay when its retry is due (60, 120, 180 s, then hourly by default). */
export function redrive(step: Step): void {
  const { s, input, config } = step;
  const mismatch = s.mismatch;
  if (mismatch === undefined || input.monoMs < mismatch.nextMonoMs) return;
  if (mismatch.expected !== s.relay) {
    s.mismatch = undefined;
    return;
  }
  if (mismatch.expected === "open" && !step.clockOk) {
    step.heldByClock = true;
    return;
  }
  const attempt = mismatch.attempt + 1;
  const command = nextCommand(step);
  step.effects.push(
    mismatch.expected === "open"
      ? {
          kind: "executeCut",
          reason: s.remoteCut !== undefined ? "remote" : "arrears",
          redrive: attempt,
          command,
        }
      : {
          kind: "restore",
          reason: s.protection !== false ? "protected" : "reconcile",
          redrive: attempt,
          command,
        },
  );
  s.mismatch = { ...mismatch, attempt, nextMonoMs: input.monoMs + relayRetryDelayMs(config.policy, attempt) };
}

/** Requests the earliest wake any pending matter needs, once per change. */
export function requestWake(step: Step): void {
  const { s, input } = step;
  const toWall = (monoMs: number) => input.wallMs + (monoMs - input.monoMs);
  const candidates: number[] = [];
  if (s.notice !== undefined && input.monoMs < s.notice.dueMonoMs)
    candidates.push(toWall(s.notice.dueMonoMs));
  if (s.deferral?.untilMs !== undefined) candidates.push(s.deferral.untilMs);
  if (s.protection !== false && s.protection.untilMs !== undefined) candidates.push(s.protection.untilMs);
  if (s.mismatch !== undefined) candidates.push(toWall(s.mismatch.nextMonoMs));
  if (step.heldByClock) candidates.push(input.wallMs + CLOCK_RETRY_MS);
  if (s.wakeAtMs !== undefined && s.wakeAtMs <= input.wallMs) s.wakeAtMs = undefined;
  // Only future matters: anything already due was decided by this call (and a wake "now" could spin).
  const future = candidates.filter((atMs) => atMs > input.wallMs);
  if (future.length === 0) return;
  const atMs = Math.min(...future);
  if (s.wakeAtMs !== undefined && Math.abs(atMs - s.wakeAtMs) <= WAKE_SLACK_MS) return;
  s.wakeAtMs = atMs;
  step.effects.push({ kind: "scheduleWake", atMs });
}
