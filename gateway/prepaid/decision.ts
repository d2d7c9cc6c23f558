/**
 * The cutoff decision as a pure function: decide(state, input, config) -> { state, effects }.
 * Priority, highest first (DOMAIN.md section 2, State Grid relay logic):
 * 1. keep-power (protected, until its `until`): closed; cancels announced cuts, clears remote cuts.
 * 2. remote command: `cut` opens at once (not subject to friendly periods); `restore` closes, overriding
 *    an arrears cut, after which the money rule starts again with a fresh notice.
 * 3. money: at or below -overdraftLimit a cut is announced, executed when the notice (monotonic time) has
 *    run out and no friendly period, friendly day or holiday is in force, else when that ends. After an
 *    arrears cut the relay closes when the balance exceeds closeAllowedMin.
 * Guards: no cut (nor announcement) on an input whose clock is not trusted (clock-check.ts); at most
 * maxRelayOpsPerHour relay changes per rolling hour (keep-power restores are never held back); read-back
 * mismatches re-driven on the retry schedule. The edges perform the effects and call again on wakes.
 */
import { checkClock, MIN_PLAUSIBLE_WALL_MS, monotonicShift, type ClockSample } from "./clock-check.ts";
import {
  defer,
  emit,
  HOUR_MS,
  nextCommand,
  rateCapUntil,
  readBack,
  redrive,
  requestWake,
  restoreEffect,
  type Step,
} from "./decision-step.ts";
import type {
  CutReason,
  DecisionConfig,
  DecisionInput,
  DecisionResult,
  DecisionState,
  RestoreReason,
} from "./decision-types.ts";
import { friendlyStatus } from "./friendly.ts";

type Target =
  | { readonly position: "open"; readonly cut: CutReason }
  | { readonly position: "closed"; readonly reason: RestoreReason };

/** Decides what one input means for one supply point; see the module comment for the rules. */
export function decide(state: DecisionState, input: DecisionInput, config: DecisionConfig): DecisionResult {
  const now: ClockSample = { wallMs: input.wallMs, monoMs: input.monoMs, run: input.run };
  const check = checkClock(state.clock, now, config.policy.clockToleranceMs);
  const step: Step = {
    draft: { ...state, clock: now },
    input,
    config,
    clockOk: check.ok,
    effects: [],
    restoreReason: undefined,
    heldByClock: false,
  };
  if (!check.ok) {
    // A clock that is still unset is reported once, not on every tick until NTP syncs.
    const stillUnset =
      check.anomaly === "wall-implausible" &&
      state.clock !== undefined &&
      state.clock.wallMs < MIN_PLAUSIBLE_WALL_MS;
    if (!stillUnset) emit(step, { type: "clock-anomaly", anomaly: check.anomaly, skewMs: check.skewMs });
  }
  // A restart is expected, not an anomaly: monotonic times move to the new run without an event.
  if (state.clock !== undefined && state.clock.run !== now.run)
    carryIntoRun(step, monotonicShift(state.clock, now));
  else if (!check.ok && check.anomaly === "monotonic-reset") rebaseMonotonic(step, now);
  step.draft.relayOpsMonoMs = step.draft.relayOpsMonoMs.filter((t) => t > now.monoMs - HOUR_MS);
  expireProtection(step);
  applyInput(step);
  settleMoney(step);
  actuate(step, target(step));
  redrive(step);
  requestWake(step);
  return { state: step.draft, effects: step.effects };
}

/**
 * A new run of the process: its monotonic clock started again. The notice, re-drive times and relay
 * operations of the last hour move into the new frame by the wall time that passed (never less than 0),
 * so the rate cap still counts the operations before the restart at their real age.
 */
function carryIntoRun(step: Step, shift: number): void {
  const { draft } = step;
  draft.relayOpsMonoMs = draft.relayOpsMonoMs.map((t) => t + shift);
  if (draft.notice !== undefined)
    draft.notice = { ...draft.notice, dueMonoMs: draft.notice.dueMonoMs + shift };
  if (draft.mismatch !== undefined)
    draft.mismatch = { ...draft.mismatch, nextMonoMs: draft.mismatch.nextMonoMs + shift };
}

/** Monotonic time went back within one run: deadlines are meaningless, re-derive them from the wall clock. */
function rebaseMonotonic(step: Step, now: ClockSample): void {
  const { draft, config } = step;
  // Unknown ages: count recent relay operations as just done (the cap errs on the side of fewer operations).
  draft.relayOpsMonoMs = draft.relayOpsMonoMs.map(() => now.monoMs);
  if (draft.notice !== undefined) {
    const remaining = Math.min(Math.max(draft.notice.plannedAtMs - now.wallMs, 0), config.policy.cutNoticeMs);
    draft.notice = { ...draft.notice, dueMonoMs: now.monoMs + remaining };
  }
  if (draft.mismatch !== undefined) draft.mismatch = { ...draft.mismatch, nextMonoMs: now.monoMs };
}

function expireProtection(step: Step): void {
  const { draft, input } = step;
  // On an untrusted clock keep-power stays: expiring it early could lead to a cut.
  if (draft.protection === false || draft.protection.untilMs === undefined || !step.clockOk) return;
  if (input.wallMs < draft.protection.untilMs) return;
  draft.protection = false;
  emit(step, { type: "protection-off", cause: "expired" });
}

function applyInput(step: Step): void {
  const { draft, input } = step;
  switch (input.kind) {
    case "tick":
      return;
    case "balance":
    case "topup":
      draft.balanceE7 = input.balanceE7;
      return;
    case "protect":
      if (input.protection !== false) {
        draft.protection = input.protection;
        emit(step, {
          type: "protection-on",
          reason: input.protection.reason,
          untilMs: input.protection.untilMs,
        });
      } else if (draft.protection !== false) {
        draft.protection = false;
        emit(step, { type: "protection-off", cause: "released" });
      }
      return;
    case "remote":
      if (input.action === "cut") {
        if (draft.protection !== false) {
          emit(step, { type: "remote-refused", commandId: input.commandId, reason: "protected" });
          return;
        }
        draft.remoteCut = { reason: input.reason, commandId: input.commandId };
        draft.notice = undefined; // superseded: the remote cut needs no notice
        return;
      }
      draft.remoteCut = undefined;
      draft.arrearsCut = false;
      draft.deferral = undefined;
      if (draft.notice !== undefined) {
        draft.notice = undefined;
        step.effects.push({ kind: "cancelCut", reason: "remote" });
      }
      step.restoreReason = "remote";
      return;
    case "readBack":
      readBack(step, input.position, input.afterCommand, input.closeAllowed);
      return;
  }
}

/** Keep-power, the arrears latch and the notice lifecycle. */
function settleMoney(step: Step): void {
  const { draft, input, config } = step;
  if (draft.protection !== false) {
    if (draft.notice !== undefined) step.effects.push({ kind: "cancelCut", reason: "protected" });
    draft.notice = undefined;
    draft.arrearsCut = false;
    draft.remoteCut = undefined;
    draft.deferral = undefined;
    step.restoreReason = "protected";
    return;
  }
  const inArrears = draft.balanceE7 <= -config.overdraftLimitE7;
  if (draft.arrearsCut) {
    if (draft.balanceE7 > config.closeAllowedMinE7) {
      draft.arrearsCut = false;
      step.restoreReason ??= "balance";
    } else if (input.kind === "topup") {
      emit(step, {
        type: "restore-withheld",
        balanceE7: draft.balanceE7,
        closeAllowedMinE7: config.closeAllowedMinE7,
      });
    }
  }
  if (draft.notice !== undefined && !inArrears) {
    draft.notice = undefined;
    if (draft.deferral?.action === "cut") draft.deferral = undefined;
    step.effects.push({ kind: "cancelCut", reason: "balance" });
  }
  // An announcement carries a planned wall time: not on an untrusted clock (the next input announces).
  if (
    inArrears &&
    draft.notice === undefined &&
    !draft.arrearsCut &&
    draft.remoteCut === undefined &&
    step.clockOk
  ) {
    const noticeMs = config.policy.cutNoticeMs;
    draft.notice = {
      announcedAtMs: input.wallMs,
      plannedAtMs: input.wallMs + noticeMs,
      dueMonoMs: input.monoMs + noticeMs,
    };
    step.effects.push({
      kind: "announceCut",
      plannedAtMs: draft.notice.plannedAtMs,
      balanceE7: draft.balanceE7,
    });
  }
}

function target(step: Step): Target {
  const { draft, input, config } = step;
  if (draft.protection !== false) return { position: "closed", reason: "protected" };
  if (draft.remoteCut !== undefined) return { position: "open", cut: "remote" };
  if (draft.arrearsCut) return { position: "open", cut: "arrears" };
  if (draft.notice !== undefined && input.monoMs >= draft.notice.dueMonoMs) {
    // Friendly times are read on the wall clock: on an untrusted one, let actuate() hold the cut instead.
    if (!step.clockOk) return { position: "open", cut: "arrears" };
    const friendly = friendlyStatus(config.policy, config.timeZone, input.wallMs);
    if (friendly === undefined) return { position: "open", cut: "arrears" };
    defer(step, { action: "cut", cut: "arrears", reason: friendly.reason, untilMs: friendly.untilMs });
  }
  // A restore held back by the cap keeps the reason it had when it was first wanted.
  const heldRestore = draft.deferral?.action === "restore" ? draft.deferral.restore : undefined;
  return { position: "closed", reason: step.restoreReason ?? heldRestore ?? "reconcile" };
}

function actuate(step: Step, want: Target): void {
  const { draft, input } = step;
  if (want.position === draft.relay) {
    // Already there (e.g. opened remotely, now due for arrears too): latch the arrears cut.
    if (want.position === "open" && want.cut === "arrears" && draft.notice !== undefined) {
      draft.arrearsCut = true;
      draft.notice = undefined;
    }
    if (draft.deferral?.reason === "rate-limit") draft.deferral = undefined;
    return;
  }
  if (want.position === "open") {
    if (!step.clockOk) {
      step.heldByClock = true;
      emit(step, { type: "cut-held", cut: want.cut, reason: "clock" });
      return;
    }
    const capUntil = rateCapUntil(step);
    if (capUntil !== undefined)
      return defer(step, { action: "cut", cut: want.cut, reason: "rate-limit", untilMs: capUntil });
    step.effects.push({
      kind: "executeCut",
      reason: want.cut,
      redrive: undefined,
      command: nextCommand(step),
    });
    delete draft.awaitingButton;
    if (want.cut === "arrears") {
      draft.arrearsCut = true;
      draft.notice = undefined;
    }
  } else {
    // Keep-power is a safety matter (hospitals, street lighting): never held back by the cap.
    const capUntil = want.reason === "protected" ? undefined : rateCapUntil(step);
    if (capUntil !== undefined) {
      return defer(step, {
        action: "restore",
        restore: want.reason,
        reason: "rate-limit",
        untilMs: capUntil,
      });
    }
    step.effects.push(restoreEffect(step, want.reason, undefined));
  }
  draft.relay = want.position;
  draft.relayOpsMonoMs = [...draft.relayOpsMonoMs, input.monoMs];
  draft.deferral = undefined;
  draft.mismatch = undefined;
}
