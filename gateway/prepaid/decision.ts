/**
 * The cutoff decision as a pure function: decide(state, input, config) -> { state, effects }.
 * Priority, highest first (DOMAIN.md section 2, State Grid relay logic):
 * 1. keep-power (protected, until its `until`): closed; cancels announced cuts, clears remote cuts.
 * 2. remote command: `cut` opens at once (not subject to friendly periods); `restore` closes, overriding
 *    an arrears cut, after which the money rule starts again with a fresh notice.
 * 3. money: at or below -overdraftLimit a cut is announced, executed when the notice (monotonic time) has
 *    run out and no friendly period, friendly day or holiday is in force, else when that ends. After an
 *    arrears cut the relay closes when the balance exceeds closeAllowedMin.
 * Safeguards (safeguards.ts): "close not allowed" withholds every close (DOMAIN.md priority 1); keep-power
 * after boot, during platform silence and in keep-power periods holds automatic cuts; a heavy load holds
 * any cut; a configured pre-trip opens the relay for a few minutes before the final arrears cut.
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
import { carryIntoRun, rebaseMonotonic } from "./decision-time.ts";
import { friendlyStatus } from "./friendly.ts";
import {
  clearLoadWait,
  closeBlocked,
  heldByLoad,
  keepPowerHold,
  preTripTarget,
  pretripDue,
  startPreTrip,
} from "./safeguards.ts";

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
  redrive(step, (cut) => heldByLoad(step, cut));
  requestWake(step);
  return { state: step.draft, effects: step.effects };
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
        delete draft.preTrip;
        return;
      }
      draft.remoteCut = undefined;
      draft.arrearsCut = false;
      draft.deferral = undefined;
      delete draft.preTrip;
      if (draft.notice !== undefined) {
        draft.notice = undefined;
        step.effects.push({ kind: "cancelCut", reason: "remote" });
      }
      step.restoreReason = "remote";
      return;
    case "readBack":
      if (input.currentA !== undefined) draft.loadA = input.currentA;
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
    delete draft.preTrip;
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
    if (draft.preTrip !== undefined) step.restoreReason ??= "balance";
    delete draft.preTrip;
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
  const preTrip = preTripTarget(step);
  if (preTrip !== undefined) return preTrip;
  if (draft.notice !== undefined && input.monoMs >= draft.notice.dueMonoMs) {
    const cut: CutReason = pretripDue(step) ? "pre-trip" : "arrears";
    // Friendly times are read on the wall clock: on an untrusted one, let actuate() hold the cut instead.
    if (!step.clockOk) return { position: "open", cut };
    const hold = friendlyStatus(config.policy, config.timeZone, input.wallMs) ?? keepPowerHold(step);
    if (hold === undefined) return { position: "open", cut };
    defer(step, { action: "cut", cut, reason: hold.reason, untilMs: hold.untilMs });
  }
  // A restore held back by the cap keeps the reason it had when it was first wanted.
  const heldRestore = draft.deferral?.action === "restore" ? draft.deferral.restore : undefined;
  return {
    position: "closed",
    reason: step.restoreReason ?? heldRestore ?? draft.blockedRestore ?? "reconcile",
  };
}

function actuate(step: Step, want: Target): void {
  const { draft, input } = step;
  // A cut that reads back closed is re-driven (redrive): its wait for the load goes on.
  if (want.position !== "open" || (draft.relay === "open" && draft.mismatch === undefined))
    clearLoadWait(step);
  if (want.position === draft.relay) {
    // Already there (e.g. opened remotely, now due for arrears too): latch the arrears cut.
    if (want.position === "open" && want.cut === "arrears" && draft.notice !== undefined) {
      draft.arrearsCut = true;
      draft.notice = undefined;
      delete draft.preTrip;
    }
    delete draft.blockedRestore;
    if (draft.deferral?.reason === "rate-limit") draft.deferral = undefined;
    return;
  }
  if (want.position === "open") {
    if (!step.clockOk) {
      step.heldByClock = true;
      emit(step, { type: "cut-held", cut: want.cut, reason: "clock" });
      return;
    }
    if (heldByLoad(step, want.cut)) return;
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
      delete draft.preTrip;
    } else if (want.cut === "pre-trip") startPreTrip(step);
  } else {
    if (closeBlocked(step, want.reason)) return;
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
