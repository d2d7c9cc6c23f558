import { describe, expect, it } from "vitest";
import { decide } from "./decision.ts";
import {
  initialDecisionState,
  type DecisionConfig,
  type DecisionEffect,
  type DecisionInput,
  type DecisionState,
  type RestoreMode,
} from "./decision-types.ts";
import { parseMoneyE7 } from "./money.ts";
import { compilePolicy, policyConfigSchema } from "./policy.ts";

const yuan = parseMoneyE7;
const MIN = 60_000;

function config(restoreMode: RestoreMode | undefined): DecisionConfig {
  return {
    overdraftLimitE7: 0,
    closeAllowedMinE7: 0,
    timeZone: "Asia/Shanghai",
    policy: compilePolicy(policyConfigSchema.parse({ friendlyPeriods: [], friendlyDays: [] })),
    ...(restoreMode === undefined ? {} : { restoreMode }),
  };
}

type Body = DecisionInput extends infer I
  ? I extends DecisionInput
    ? Omit<I, "wallMs" | "monoMs" | "run">
    : never
  : never;

/** A supply cut for arrears, then driven input by input (the wall clock moves one minute per input). */
function cutSupply(mode: RestoreMode | undefined) {
  const cfg = config(mode);
  let state: DecisionState = {
    ...initialDecisionState({ balanceE7: yuan("-1"), relay: "open", arrearsCut: true }),
    relayCommand: 1,
  };
  let wallMs = Date.UTC(2026, 0, 5, 2);
  let monoMs = 1_000_000;
  const send = (body: Body): string[] => {
    wallMs += MIN;
    monoMs += MIN;
    const result = decide(state, { ...body, wallMs, monoMs }, cfg);
    state = result.state;
    return result.effects.filter((e) => e.kind !== "scheduleWake").map(short);
  };
  return {
    get state() {
      return state;
    },
    send,
    topup: () => send({ kind: "topup", balanceE7: yuan("50"), amountE7: yuan("51") }),
    readBack: (position: "open" | "closed", closeAllowed?: boolean) =>
      send({
        kind: "readBack",
        position,
        afterCommand: state.relayCommand ?? 0,
        ...(closeAllowed === undefined ? {} : { closeAllowed }),
      }),
  };
}

function short(effect: DecisionEffect): string {
  if (effect.kind === "restore")
    return `restore:${effect.reason}${effect.mode === undefined ? "" : `:${effect.mode}`}${effect.redrive === undefined ? "" : `#${effect.redrive}`}`;
  if (effect.kind === "event") return `event:${effect.event.type}`;
  return effect.kind;
}

describe("decide: restore by allow-close", () => {
  it("direct (the default, and every Modbus meter): a restore closes, an open read-back is a mismatch", () => {
    const s = cutSupply(undefined);
    expect(s.topup()).toEqual(["restore:balance"]);
    expect(s.state.awaitingButton).toBeUndefined();
    expect(s.readBack("open")).toEqual(["event:relay-mismatch"]);
  });

  it("allow-close: open with the close allowed is the expected state until the button, then one event", () => {
    const s = cutSupply("allow-close");
    expect(s.topup()).toEqual(["restore:balance:allow-close"]);
    expect(s.state).toMatchObject({ relay: "closed", awaitingButton: true });
    expect(s.readBack("open", true)).toEqual([]); // the runner's read-back of status word 3
    expect(s.readBack("open")).toEqual([]); // polls that read only the position
    expect(s.readBack("closed")).toEqual(["event:closed-by-customer"]);
    expect(s.state.awaitingButton).toBeUndefined();
    expect(s.readBack("closed")).toEqual([]);
  });

  it("allow-close that the meter did not take (open command still in force) is re-driven as allow-close", () => {
    const s = cutSupply("allow-close");
    s.topup();
    expect(s.readBack("open", false)).toEqual(["event:relay-mismatch"]);
    // The first re-drive is due 60 s after the mismatch: the next input, a minute later.
    expect(s.send({ kind: "tick" })).toEqual(["restore:reconcile:allow-close#1"]);
    expect(s.readBack("open", true)).toEqual(["event:relay-mismatch-cleared"]);
    expect(s.state.mismatch).toBeUndefined();
  });

  it("keep-power closes directly even on an allow-close meter", () => {
    const s = cutSupply("allow-close");
    expect(s.send({ kind: "protect", protection: { reason: "hospital" } })).toEqual([
      "event:protection-on",
      "restore:protected",
    ]);
    expect(s.state.awaitingButton).toBeUndefined();
    expect(s.readBack("open", true)).toEqual(["event:relay-mismatch"]);
  });

  it("a cut while waiting for the button ends the wait", () => {
    const s = cutSupply("allow-close");
    s.topup();
    expect(s.send({ kind: "remote", action: "cut", reason: "inspection", commandId: "c1" })).toEqual([
      "executeCut",
    ]);
    expect(s.state.awaitingButton).toBeUndefined();
    expect(s.readBack("open")).toEqual([]);
  });
});
