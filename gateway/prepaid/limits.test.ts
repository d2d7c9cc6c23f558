import { describe, expect, it } from "vitest";
import { applyLimitsPatch, thresholdProblems, type AccountLimits } from "./limits.ts";
import { parseMoneyE7 } from "./money.ts";

const yuan = parseMoneyE7;
const limits: AccountLimits = {
  alarm1E7: yuan("50"),
  alarm2E7: yuan("30"),
  overdraftLimitE7: yuan("10"),
  hoardingLimitE7: yuan("1000"),
  closeAllowedMinE7: yuan("5"),
};
const fields = (l: AccountLimits) => thresholdProblems(l).map((p) => p.field);

describe("account limit rules", () => {
  it("accepts consistent limits, including the boundaries each rule allows", () => {
    expect(thresholdProblems(limits)).toEqual([]);
    expect(fields({ ...limits, alarm2E7: limits.alarm1E7 })).toEqual([]);
    expect(fields({ ...limits, closeAllowedMinE7: -limits.overdraftLimitE7 })).toEqual([]);
    expect(fields({ ...limits, hoardingLimitE7: limits.closeAllowedMinE7 + 1 })).toEqual([]);
  });

  it("names the field each broken rule blames, in field order", () => {
    expect(fields({ ...limits, alarm2E7: limits.alarm1E7 + 1 })).toEqual(["alarm2"]);
    expect(fields({ ...limits, closeAllowedMinE7: -limits.overdraftLimitE7 - 1 })).toEqual([
      "closeAllowedMin",
    ]);
    expect(fields({ ...limits, hoardingLimitE7: limits.closeAllowedMinE7 })).toEqual(["hoardingLimit"]);
    expect(fields({ ...limits, overdraftLimitE7: -1, closeAllowedMinE7: 1 })).toEqual(["overdraftLimit"]);
    expect(fields({ ...limits, alarm1E7: -1, alarm2E7: -2 })).toEqual(["alarm1", "alarm2"]);
  });

  it("judges nothing by a value that failed to parse (NaN), so a mistake is reported once", () => {
    expect(fields({ ...limits, hoardingLimitE7: Number.NaN, closeAllowedMinE7: Number.NaN })).toEqual([]);
  });
});

describe("applyLimitsPatch", () => {
  it("parses the patch exactly and reports only the fields it changes", () => {
    expect(applyLimitsPatch(limits, { hoardingLimit: "0.0000001", closeAllowedMin: "-10" })).toEqual({
      ok: true,
      limits: { ...limits, hoardingLimitE7: 1, closeAllowedMinE7: yuan("-10") },
      changed: { hoardingLimitE7: 1, closeAllowedMinE7: yuan("-10") },
    });
  });

  it("refuses a patch that would break a rule together with the limits it keeps", () => {
    expect(applyLimitsPatch(limits, { hoardingLimit: "5" })).toEqual({
      ok: false,
      message: "hoardingLimit must exceed closeAllowedMin, or no top-up could restore supply",
    });
  });

  it("refuses an unreadable amount, naming the field", () => {
    expect(applyLimitsPatch(limits, { alarm1: "1e3" })).toEqual({
      ok: false,
      message: 'alarm1: "1e3" is not a plain decimal number such as "12.34"',
    });
  });
});
