/** The pure decisions of the account lifecycle (issue 16), as tables. Money in 1e-7 yuan. */
import { describe, expect, it } from "vitest";
import { decideAdjustment, decideRefund } from "./lifecycle.ts";
import { applyTopUp } from "./purchase-sequence.ts";

const Y = 10_000_000; // one yuan
const cap = 1000 * Y;

describe("decideAdjustment", () => {
  it.each([
    ["a credit", 10 * Y, 5 * Y, { kind: "applied", amountE7: 5 * Y, balanceE7: 15 * Y }],
    [
      "a debit below zero (a correction)",
      1 * Y,
      -3 * Y,
      { kind: "applied", amountE7: -3 * Y, balanceE7: -2 * Y },
    ],
    ["a credit up to the cap", 990 * Y, 10 * Y, { kind: "applied", amountE7: 10 * Y, balanceE7: cap }],
    [
      "a credit above the cap",
      990 * Y,
      10 * Y + 1,
      { kind: "refused", reason: "cap", wouldBeE7: cap + 1, maxBalanceE7: cap },
    ],
    [
      "a debit of an account above a lowered cap",
      2000 * Y,
      -1 * Y,
      { kind: "applied", amountE7: -Y, balanceE7: 1999 * Y },
    ],
    ["zero", 1 * Y, 0, { kind: "refused", reason: "invalid" }],
    ["a fraction", 1 * Y, 0.5, { kind: "refused", reason: "invalid" }],
  ])("%s", (_name, balanceE7, amountE7, expected) => {
    expect(decideAdjustment({ balanceE7, maxBalanceE7: cap }, amountE7)).toMatchObject(expected);
  });
});

describe("decideRefund", () => {
  it.each([
    ["the next refund", 10 * Y, 2, 3, 4 * Y, { kind: "applied", amountE7: -4 * Y, balanceE7: 6 * Y }],
    ["the whole balance", 10 * Y, 0, 1, 10 * Y, { kind: "applied", amountE7: -10 * Y, balanceE7: 0 }],
    [
      "more than the balance",
      10 * Y,
      0,
      1,
      10 * Y + 1,
      { kind: "refused", reason: "exceeds-balance", balanceE7: 10 * Y },
    ],
    ["a balance in arrears", -1 * Y, 0, 1, 1, { kind: "refused", reason: "exceeds-balance" }],
    ["a skipped number", 10 * Y, 2, 4, Y, { kind: "refused", reason: "gap", lastSeq: 2, expectedSeq: 3 }],
    ["an old number", 10 * Y, 2, 1, Y, { kind: "refused", reason: "stale", lastSeq: 2, expectedSeq: 3 }],
    ["sequence 0", 10 * Y, 0, 0, Y, { kind: "refused", reason: "invalid" }],
    ["amount 0", 10 * Y, 0, 1, 0, { kind: "refused", reason: "invalid" }],
  ])("%s", (_name, balanceE7, lastRefundSeq, seq, amountE7, expected) => {
    expect(decideRefund({ balanceE7, lastRefundSeq }, { seq, amountE7 })).toMatchObject(expected);
  });
});

describe("applyTopUp with a balance cap", () => {
  const account = { balanceE7: 990 * Y, lastPurchaseSeq: 1, hoardingLimitE7: 5000 * Y, maxBalanceE7: cap };
  it("refuses a purchase above the cap even under the hoarding limit, and applies one up to it", () => {
    expect(applyTopUp(account, { seq: 2, amountE7: 10 * Y + 1 })).toEqual({
      kind: "refused",
      reason: "cap",
      seq: 2,
      wouldBeE7: cap + 1,
      maxBalanceE7: cap,
    });
    expect(applyTopUp(account, { seq: 2, amountE7: 10 * Y })).toMatchObject({
      kind: "applied",
      balanceE7: cap,
    });
  });
  it("reports the hoarding limit first when both are passed", () => {
    expect(applyTopUp({ ...account, hoardingLimitE7: 995 * Y }, { seq: 2, amountE7: 20 * Y })).toMatchObject({
      reason: "hoarding",
    });
  });
});
