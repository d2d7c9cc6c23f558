import { describe, expect, it } from "vitest";
import type { ReadingVerdict } from "./anomaly.ts";
import { billingStalled, nextHoldStreak, type HoldStreak } from "./hold-streak.ts";

const spike: ReadingVerdict = { kind: "hold", reason: "spike" };
const clock: ReadingVerdict = { kind: "hold", reason: "wall-implausible" };
const jump: ReadingVerdict = { kind: "rebase", reason: "persistent-jump", fromWh: 0, toWh: 9000 };
const decrease: ReadingVerdict = { kind: "rebase", reason: "decrease", fromWh: 9000, toWh: 0 };
const charge: ReadingVerdict = { kind: "charge", deltaWh: 10, fromMs: 0, toMs: 1 };
const baseline: ReadingVerdict = { kind: "baseline" };

/** Feeds verdicts at wall ms 1000, 2000, ...; returns the streak after each. */
function run(verdicts: ReadingVerdict[]): Array<HoldStreak | undefined> {
  let streak: HoldStreak | undefined;
  return verdicts.map((v, i) => (streak = nextHoldStreak(streak, v, (i + 1) * 1000)));
}

describe("nextHoldStreak", () => {
  it.each([
    ["a single spike is noise, not a stall", [charge, spike], [false, false]],
    ["a spike then a charge", [spike, charge], [false, false]],
    ["spike, spike, persistent jump: every reading implausible", [spike, spike, jump], [false, true, true]],
    ["a clock that is not set holds every reading", [clock, clock, clock], [false, true, true]],
    ["a decrease rebases: the streak ends", [spike, decrease], [false, false]],
    ["a new baseline ends it", [spike, spike, baseline], [false, true, false]],
  ] as const)("%s", (_name, verdicts, stalled) => {
    expect(run([...verdicts]).map(billingStalled)).toEqual(stalled);
  });

  it("keeps when the streak began, counts its readings and names the last reason", () => {
    const streaks = run([charge, spike, spike, jump, clock]);
    expect(streaks[4]).toEqual({ sinceMs: 2000, readings: 4, reason: "wall-implausible" });
  });
});
