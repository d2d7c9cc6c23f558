import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseMoneyE7 } from "./money.ts";
import { evaluateThresholds, moneyStateOf, NO_MONEY_FLAGS, type MoneyFlags } from "./thresholds.ts";

const yuan = parseMoneyE7;
const limits = { alarm1E7: yuan("50"), alarm2E7: yuan("30"), overdraftLimitE7: yuan("10") };

/** Feeds balances in order; returns the events as "raised:level" strings per step. */
function walk(balances: string[]): string[][] {
  let flags: MoneyFlags = NO_MONEY_FLAGS;
  return balances.map((b) => {
    const result = evaluateThresholds(flags, yuan(b), limits);
    flags = result.flags;
    return result.events.map((e) => `${e.kind}:${e.level}`);
  });
}

describe("money thresholds", () => {
  it("classifies the money state at each boundary (at or below)", () => {
    expect(moneyStateOf(yuan("50.0000001"), limits)).toBe("normal");
    expect(moneyStateOf(yuan("50"), limits)).toBe("warning1");
    expect(moneyStateOf(yuan("30"), limits)).toBe("warning2");
    expect(moneyStateOf(yuan("0"), limits)).toBe("overdraft");
    expect(moneyStateOf(yuan("-9.99"), limits)).toBe("overdraft");
    expect(moneyStateOf(yuan("-10"), limits)).toBe("exhausted");
  });

  it("raises each level once when crossed, not on every poll, and clears it once when crossed back", () => {
    expect(walk(["60", "49", "48", "47", "29", "25", "-1", "-2", "-10", "-11", "40", "40", "55"])).toEqual([
      [],
      ["raised:warning1"],
      [],
      [],
      ["raised:warning2"],
      [],
      ["raised:overdraft"],
      [],
      ["raised:exhausted"],
      [],
      ["cleared:exhausted", "cleared:overdraft", "cleared:warning2"],
      [],
      ["cleared:warning1"],
    ]);
  });

  it("raises every level passed in one step, least severe first, with the threshold crossed", () => {
    const result = evaluateThresholds(NO_MONEY_FLAGS, yuan("-10"), limits);
    expect(result.state).toBe("exhausted");
    expect(result.events.map((e) => [e.level, e.thresholdE7])).toEqual([
      ["warning1", yuan("50")],
      ["warning2", yuan("30")],
      ["overdraft", 0],
      ["exhausted", yuan("-10")],
    ]);
  });

  it("keeps flags equal to what the balance implies, whatever the sequence", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: yuan("-100"), max: yuan("100") }), { maxLength: 50 }),
        (balances) => {
          let flags: MoneyFlags = NO_MONEY_FLAGS;
          let raisedMinusCleared = 0;
          for (const balance of balances) {
            const result = evaluateThresholds(flags, balance, limits);
            flags = result.flags;
            raisedMinusCleared += result.events.reduce((n, e) => n + (e.kind === "raised" ? 1 : -1), 0);
            expect(flags.warning1).toBe(balance <= limits.alarm1E7);
            expect(flags.exhausted).toBe(balance <= -limits.overdraftLimitE7);
          }
          expect(raisedMinusCleared).toBe(Object.values(flags).filter(Boolean).length);
        },
      ),
    );
  });
});
