import { describe, expect, it } from "vitest";
import { fenToE7, parseMoneyE7 } from "./money.ts";
import { applyTopUp, type TopUpAccount } from "./purchase-sequence.ts";

const yuan = parseMoneyE7;
const account: TopUpAccount = {
  balanceE7: yuan("20"),
  lastPurchaseSeq: 7,
  lastPurchaseAmountE7: yuan("50"),
  hoardingLimitE7: yuan("1000"),
};

describe("applyTopUp", () => {
  it.each([
    [
      "next sequence applies",
      { seq: 8, amountE7: fenToE7(5000) },
      { kind: "applied", seq: 8, amountE7: yuan("50"), balanceE7: yuan("70") },
    ],
    [
      "same sequence is a duplicate, acknowledged without credit",
      { seq: 7, amountE7: yuan("50") },
      { kind: "duplicate", seq: 7 },
    ],
    [
      "lower sequence is refused",
      { seq: 6, amountE7: yuan("50") },
      { kind: "refused", reason: "stale", seq: 6, lastPurchaseSeq: 7 },
    ],
    [
      "a gap is refused, naming the missing sequence",
      { seq: 10, amountE7: yuan("50") },
      { kind: "refused", reason: "gap", seq: 10, lastPurchaseSeq: 7, missingSeq: 8 },
    ],
    [
      "a duplicate with another amount is a conflict",
      { seq: 7, amountE7: yuan("60") },
      { kind: "refused", reason: "conflict", seq: 7, amountE7: yuan("60"), appliedAmountE7: yuan("50") },
    ],
    [
      "a balance beyond the hoarding limit is refused",
      { seq: 8, amountE7: yuan("980.01") },
      {
        kind: "refused",
        reason: "hoarding",
        seq: 8,
        wouldBeE7: yuan("1000.01"),
        hoardingLimitE7: yuan("1000"),
      },
    ],
    [
      "exactly the hoarding limit applies",
      { seq: 8, amountE7: yuan("980") },
      { kind: "applied", seq: 8, amountE7: yuan("980"), balanceE7: yuan("1000") },
    ],
    [
      "a zero amount is invalid",
      { seq: 8, amountE7: 0 },
      { kind: "refused", reason: "invalid", seq: 8, detail: "amount must be a positive integer" },
    ],
    [
      "a fractional amount is invalid",
      { seq: 8, amountE7: 0.5 },
      { kind: "refused", reason: "invalid", seq: 8, detail: "amount must be a positive integer" },
    ],
    [
      "sequence 0 is invalid",
      { seq: 0, amountE7: 1 },
      { kind: "refused", reason: "invalid", seq: 0, detail: "sequence must be a positive integer" },
    ],
  ])("%s", (_name, request, expected) => {
    expect(applyTopUp(account, request)).toEqual(expected);
  });

  it("treats an equal sequence as a duplicate when the applied amount is unknown", () => {
    expect(applyTopUp({ ...account, lastPurchaseAmountE7: undefined }, { seq: 7, amountE7: 1 })).toEqual({
      kind: "duplicate",
      seq: 7,
    });
  });

  it("applies the first purchase of a new account and refuses an overflowing one as hoarding", () => {
    const fresh = { balanceE7: 0, lastPurchaseSeq: 0, hoardingLimitE7: yuan("500") };
    expect(applyTopUp(fresh, { seq: 1, amountE7: yuan("100") }).kind).toBe("applied");
    const huge = applyTopUp({ ...fresh, balanceE7: Number.MAX_SAFE_INTEGER - 1 }, { seq: 1, amountE7: 10 });
    expect(huge).toMatchObject({ kind: "refused", reason: "hoarding" });
  });
});
