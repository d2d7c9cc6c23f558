/**
 * Relay bookkeeping for decision.ts: the per-call working data, the rate cap, deferral reporting, read-back
 * mismatch re-drives and wake requests. Internal to the decision; not exported from the package.
 */
import type {
  CutReason,
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
  /** The state being decided (a copy of the input state, changed in place by this step). */
  readonly draft: Draft;
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
  step.draft.relayCommand = (step.draft.relayCommand ?? 0) + 1;
  return step.draft.relayCommand;
}

/**
 * Records a read-back; a disagreement with the commanded position starts the re-drive schedule, once.
 * A position read before the latest command was written cannot agree or disagree with it: ignored.
 */
export function readBack(
  step: Step,
  position: RelayPosition,
  afterCommand: number,
  closeAllowed: boolean | undefined,
): void {
  const { draft, input, config } = step;
  if (afterCommand < (draft.relayCommand ?? 0)) return;
  if (draft.awaitingButton === true && draft.relay === "closed") {
    if (position === "closed") {
      delete draft.awaitingButton;
      emit(step, { type: "closed-by-customer" });
    } else if (closeAllowed !== false) {
      // Open with the close allowed: as it should be until the customer presses the button.
      if (draft.mismatch !== undefined) emit(step, { type: "relay-mismatch-cleared", position });
      draft.mismatch = undefined;
      return;
    }
  }
  if (position === draft.relay) {
    if (draft.mismatch !== undefined) emit(step, { type: "relay-mismatch-cleared", position });
    draft.mismatch = undefined;
  } else if (draft.mismatch === undefined || draft.mismatch.expected !== draft.relay) {
    emit(step, { type: "relay-mismatch", expected: draft.relay, actual: position });
    draft.mismatch = {
      expected: draft.relay,
      attempt: 0,
      nextMonoMs: input.monoMs + relayRetryDelayMs(config.policy, 0),
    };
  }
}

/** Epoch ms when the per-hour cap allows another relay change, or undefined when it allows one now. */
export function rateCapUntil(step: Step): number | undefined {
  const { draft, input, config } = step;
  if (draft.relayOpsMonoMs.length < config.policy.maxRelayOpsPerHour) return undefined;
  const oldest = Math.min(...draft.relayOpsMonoMs);
  return input.wallMs + (oldest + HOUR_MS - input.monoMs);
}

/** Records a deferral and reports it once per change (not on every tick while it lasts). */
export function defer(step: Step, deferral: Deferral): void {
  const previous = step.draft.deferral;
  if (
    previous?.action === deferral.action &&
    previous.reason === deferral.reason &&
    previous.untilMs === deferral.untilMs
  ) {
    return;
  }
  step.draft.deferral = deferral;
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

/**
 * Re-drives a mismatched relay when its retry is due (60, 120, 180 s, then hourly by default). A cut
 * re-drive asks `heldByLoad` first, like every cut (safeguards.ts, passed in to keep the modules
 * acyclic): under heavy load it waits, uncounted, and is tried again one retry interval later.
 */
export function redrive(step: Step, heldByLoad: (cut: CutReason) => boolean): void {
  const { draft, input, config } = step;
  const mismatch = draft.mismatch;
  if (mismatch === undefined || input.monoMs < mismatch.nextMonoMs) return;
  if (mismatch.expected !== draft.relay) {
    draft.mismatch = undefined;
    return;
  }
  if (mismatch.expected === "open" && !step.clockOk) {
    step.heldByClock = true;
    return;
  }
  const cut: CutReason = draft.remoteCut !== undefined ? "remote" : "arrears";
  if (mismatch.expected === "open" && heldByLoad(cut)) {
    const retryMs = relayRetryDelayMs(config.policy, mismatch.attempt);
    draft.mismatch = { ...mismatch, nextMonoMs: input.monoMs + retryMs };
    return;
  }
  if (draft.deferral?.action === "cut") draft.deferral = undefined;
  const attempt = mismatch.attempt + 1;
  const command = mismatch.expected === "open" ? nextCommand(step) : undefined;
  step.effects.push(
    mismatch.expected === "open"
      ? {
          kind: "executeCut",
          reason: cut,
          redrive: attempt,
          command: command!,
        }
      : restoreEffect(step, draft.protection !== false ? "protected" : "reconcile", attempt, command),
  );
  draft.mismatch = {
    ...mismatch,
    attempt,
    nextMonoMs: input.monoMs + relayRetryDelayMs(config.policy, attempt),
  };
}

/** Requests the earliest wake any pending matter needs, once per change. */
export function requestWake(step: Step): void {
  const { draft, input } = step;
  const toWall = (monoMs: number) => input.wallMs + (monoMs - input.monoMs);
  const candidates: number[] = [];
  if (draft.notice !== undefined && input.monoMs < draft.notice.dueMonoMs)
    candidates.push(toWall(draft.notice.dueMonoMs));
  if (draft.deferral?.untilMs !== undefined) candidates.push(draft.deferral.untilMs);
  if (draft.protection !== false && draft.protection.untilMs !== undefined)
    candidates.push(draft.protection.untilMs);
  if (draft.mismatch !== undefined) candidates.push(toWall(draft.mismatch.nextMonoMs));
  if (step.heldByClock) candidates.push(input.wallMs + CLOCK_RETRY_MS);
  if (draft.preTrip !== undefined)
    candidates.push(toWall(draft.preTrip.restoreMonoMs), toWall(draft.preTrip.finalMonoMs));
  // A cut waiting for the load is retried on each reading; the wake only reports an overlong wait on time.
  if (draft.heavySinceMonoMs !== undefined && draft.heavyReported !== true)
    candidates.push(toWall(draft.heavySinceMonoMs + (step.config.policy.tripMaxDeferMs ?? 0)));
  if (draft.wakeAtMs !== undefined && draft.wakeAtMs <= input.wallMs) draft.wakeAtMs = undefined;
  // Only future matters: anything already due was decided by this call (and a wake "now" could spin).
  const future = candidates.filter((atMs) => atMs > input.wallMs);
  if (future.length === 0) return;
  const atMs = Math.min(...future);
  if (draft.wakeAtMs !== undefined && Math.abs(atMs - draft.wakeAtMs) <= WAKE_SLACK_MS) return;
  draft.wakeAtMs = atMs;
  step.effects.push({ kind: "scheduleWake", atMs });
}

/**
 * A numbered restore in the meter's restore mode (keep-power always closes directly); an allow-close
 * leaves the decision waiting for the customer's button. `command`: a number already taken, else a new one.
 */
export function restoreEffect(
  step: Step,
  reason: RestoreReason,
  redrive: number | undefined,
  command = nextCommand(step),
): DecisionEffect {
  // A pre-trip closes again by itself, like the meters' own (DOMAIN.md section 5): never by the button.
  const allowClose =
    step.config.restoreMode === "allow-close" && reason !== "protected" && reason !== "pre-trip-over";
  if (allowClose) step.draft.awaitingButton = true;
  else delete step.draft.awaitingButton;
  return {
    kind: "restore",
    reason,
    redrive,
    command,
    ...(allowClose ? { mode: "allow-close" as const } : {}),
  };
}
