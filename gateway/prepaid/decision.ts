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
    s: { ...state, clock: now },
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
  step.s.relayOpsMonoMs = step.s.relayOpsMonoMs.filter((t) => t > now.monoMs - HOUR_MS);
  expireProtection(step);
  applyInput(step);
  settleMoney(step);
  actuate(step, target(step));
  redrive(step);
  requestWake(step);
  return { state: step.s, effects: step.effects };
}

/**
 * A new run of the process: its monotonic clock started again. The notice, re-drive times and relay
 * operations of the last hour move into the new frame by the wall time that passed (never less than 0),
 * so the rate cap still counts the operations before the restart at their real age.
 */
function carryIntoRun(step: Step, shift: number): void {
  const { s } = step;
  s.relayOpsMonoMs = s.relayOpsMonoMs.map((t) => t + shift);
  if (s.notice !== undefined) s.notice = { ...s.notice, dueMonoMs: s.notice.dueMonoMs + shift };
  if (s.mismatch !== undefined) s.mismatch = { ...s.mismatch, nextMonoMs: s.mismatch.nextMonoMs + shift };
}

/** Monotonic time went back within one run: deadlines are meaningless, re-derive them from the wall clock. */
function rebaseMonotonic(step: Step, now: ClockSample): void {
  const { s, config } = step;
  // Unknown ages: count recent relay operations as just done (the cap errs on the side of fewer operations).
  s.relayOpsMonoMs = s.relayOpsMonoMs.map(() => now.monoMs);
  if (s.notice !== undefined) {
    const remaining = Math.min(Math.max(s.notice.plannedAtMs - now.wallMs, 0), config.policy.cutNoticeMs);
    s.notice = { ...s.notice, dueMonoMs: now.monoMs + remaining };
  }
  if (s.mismatch !== undefined) s.mismatch = { ...s.mismatch, nextMonoMs: now.monoMs };
}

function expireProtection(step: Step): void {
  const { s, input } = step;
  // On an untrusted clock keep-power stays: expiring it early could lead to a cut.
  if (s.protection === false || s.protection.untilMs === undefined || !step.clockOk) return;
  if (input.wallMs < s.protection.untilMs) return;
  s.protection = false;
  emit(step, { type: "protection-off", cause: "expired" });
}

function applyInput(step: Step): void {
  const { s, input } = step;
  switch (input.kind) {
    case "tick":
      return;
    case "balance":
    case "topup":
      s.balanceE7 = input.balanceE7;
      return;
    case "protect":
      if (input.protection !== false) {
        s.protection = input.protection;
        emit(step, {
          type: "protection-on",
          reason: input.protection.reason,
          untilMs: input.protection.untilMs,
        });
      } else if (s.protection !== false) {
        s.protection = false;
        emit(step, { type: "protection-off", cause: "released" });
      }
      return;
    case "remote":
      if (input.action === "cut") {
        if (s.protection !== false) {
          emit(step, { type: "remote-refused", commandId: input.commandId, reason: "protected" });
          return;
        }
        s.remoteCut = { reason: input.reason, commandId: input.commandId };
        s.notice = undefined; // superseded: the remote cut needs no notice
        return;
      }
      s.remoteCut = undefined;
      s.arrearsCut = false;
      s.deferral = undefined;
      if (s.notice !== undefined) {
        s.notice = undefined;
        step.effects.push({ kind: "cancelCut", reason: "remote" });
      }
      step.restoreReason = "remote";
      return;
    case "readBack":
      readBack(step, input.position, input.afterCommand);
      return;
  }
}

/** Keep-power, the arrears latch and the notice lifecycle. */
function settleMoney(step: Step): void {
  const { s, input, config } = step;
  if (s.protection !== false) {
    if (s.notice !== undefined) step.effects.push({ kind: "cancelCut", reason: "protected" });
    s.notice = undefined;
    s.arrearsCut = false;
    s.remoteCut = undefined;
    s.deferral = undefined;
    step.restoreReason = "protected";
    return;
  }
  const inArrears = s.balanceE7 <= -config.overdraftLimitE7;
  if (s.arrearsCut) {
    if (s.balanceE7 > config.closeAllowedMinE7) {
      s.arrearsCut = false;
      step.restoreReason ??= "balance";
    } else if (input.kind === "topup") {
      emit(step, {
        type: "restore-withheld",
        balanceE7: s.balanceE7,
        closeAllowedMinE7: config.closeAllowedMinE7,
      });
    }
  }
  if (s.notice !== undefined && !inArrears) {
    s.notice = undefined;
    if (s.deferral?.action === "cut") s.deferral = undefined;
    step.effects.push({ kind: "cancelCut", reason: "balance" });
  }
  // An announcement carries a planned wall time: not on an untrusted clock (the next input announces).
  if (inArrears && s.notice === undefined && !s.arrearsCut && s.remoteCut === undefined && step.clockOk) {
    const noticeMs = config.policy.cutNoticeMs;
    s.notice = {
      announcedAtMs: input.wallMs,
      plannedAtMs: input.wallMs + noticeMs,
      dueMonoMs: input.monoMs + noticeMs,
    };
    step.effects.push({ kind: "announceCut", plannedAtMs: s.notice.plannedAtMs, balanceE7: s.balanceE7 });
  }
}

function target(step: Step): Target {
  const { s, input, config } = step;
  if (s.protection !== false) return { position: "closed", reason: "protected" };
  if (s.remoteCut !== undefined) return { position: "open", cut: "remote" };
  if (s.arrearsCut) return { position: "open", cut: "arrears" };
  if (s.notice !== undefined && input.monoMs >= s.notice.dueMonoMs) {
    // Friendly times are read on the wall clock: on an untrusted one, let actuate() hold the cut instead.
    if (!step.clockOk) return { position: "open", cut: "arrears" };
    const friendly = friendlyStatus(config.policy, config.timeZone, input.wallMs);
    if (friendly === undefined) return { position: "open", cut: "arrears" };
    defer(step, { action: "cut", cut: "arrears", reason: friendly.reason, untilMs: friendly.untilMs });
  }
  // A restore held back by the cap keeps the reason it had when it was first wanted.
  const heldRestore = s.deferral?.action === "restore" ? s.deferral.restore : undefined;
  return { position: "closed", reason: step.restoreReason ?? heldRestore ?? "reconcile" };
}

function actuate(step: Step, want: Target): void {
  const { s, input } = step;
  if (want.position === s.relay) {
    // Already there (e.g. opened remotely, now due for arrears too): latch the arrears cut.
    if (want.position === "open" && want.cut === "arrears" && s.notice !== undefined) {
      s.arrearsCut = true;
      s.notice = undefined;
    }
    if (s.deferral?.reason === "rate-limit") s.deferral = undefined;
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
    if (want.cut === "arrears") {
      s.arrearsCut = true;
      s.notice = undefined;
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
    step.effects.push({
      kind: "restore",
      reason: want.reason,
      redrive: undefined,
      command: nextCommand(step),
    });
  }
  s.relay = want.position;
  s.relayOpsMonoMs = [...s.relayOpsMonoMs, input.monoMs];
  s.deferral = undefined;
  s.mismatch = undefined;
}
