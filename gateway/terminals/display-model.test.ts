import { describe, expect, it } from "vitest";
import { displayContent, type DisplayInput } from "./display-model.ts";

const base: DisplayInput = {
  balanceE7: 12_345_678, // 1.2345678 yuan
  moneyState: "normal",
  meters: [{ state: "on" }],
  priceE4: 5283,
  message: undefined,
  nowMs: Date.UTC(2026, 11, 1, 10, 0),
  timeZone: "Asia/Shanghai",
};

describe("what a terminal shows", () => {
  it("rounds the balance down to the fen, negative balances too", () => {
    expect(displayContent(base)).toEqual({
      ...{ balanceFen: 123, alarm: 0, supply: 0, cutAtS: 0, priceE4: 5283, message: "" },
    });
    expect(displayContent({ ...base, balanceE7: -1 }).balanceFen).toBe(-1);
  });

  it.each([
    ["warning1", 1, "Low credit: please top up"],
    ["warning2", 2, "Credit very low: top up now"],
    ["overdraft", 3, "Credit used up: top up now"],
  ] as const)("shows %s as alarm %i with its message", (moneyState, alarm, message) => {
    expect(displayContent({ ...base, moneyState })).toMatchObject({ alarm, message });
  });

  it("puts a cut notice (local time, earliest meter) above the platform's message, and the cut above both", () => {
    const plannedAtMs = Date.UTC(2026, 11, 1, 11, 30);
    const input: DisplayInput = {
      ...base,
      moneyState: "exhausted",
      meters: [
        { state: "on" },
        { state: "announced", plannedAtMs },
        { state: "announced", plannedAtMs: plannedAtMs + 1 },
      ],
      message: { text: "Office closed Monday", untilMs: base.nowMs + 60_000 },
    };
    expect(displayContent(input)).toMatchObject({
      supply: 1,
      cutAtS: plannedAtMs / 1000,
      message: "Cut at 19:30 unless topped up",
    });
    expect(displayContent({ ...input, meters: [{ state: "cut" }, ...input.meters] })).toMatchObject({
      supply: 2,
      cutAtS: 0,
      message: "Supply cut: top up to restore",
    });
  });

  it("shows the platform's message above the alarms until it expires", () => {
    const message = { text: "Office closed Monday", untilMs: base.nowMs + 1 };
    expect(displayContent({ ...base, moneyState: "warning2", message }).message).toBe("Office closed Monday");
    expect(displayContent({ ...base, moneyState: "warning2", message, nowMs: message.untilMs }).message).toBe(
      "Credit very low: top up now",
    );
  });
});
