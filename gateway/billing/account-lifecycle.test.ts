/**
 * The account lifecycle over signed commands (issue 16), through the real command handler, executor,
 * engine and a real SQLite file: open, read, adjust, refund, close, with the billing records a platform
 * receives and the refusals it can act on.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openCommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs } from "../../test/helpers/billing/engine-rig.ts";
import { domainSnapshot } from "../../test/helpers/uplink/fixtures.ts";

afterEach(closeEngineRigs);

/** m1 on a1 as configured; m2 configured without an account, for account.open. */
const config = `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
  - { id: m2, bus: b1, unit: 2, profile: generic-prepaid, ctRatio: 40, ptRatio: 100 }
accounts:
  - { id: a1, tariff: flat, balance: "1.00", overdraftLimit: "0", closeAllowedMin: "0.20" }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10, maxBalance: "5000.00" }
`;

const open = { account: "c7", customerNo: "CUST-0007", meter: "m2", tariff: "flat", openingBalance: "20.00" };

/** Billing bodies of one kind, oldest first. */
function billing(rig: ReturnType<typeof openCommandRig>, kind: string): Record<string, unknown>[] {
  return rig.store.outbox
    .fetchUndelivered("billing", { limit: 1000 })
    .map((r) => r.payload as Record<string, unknown>)
    .filter((b) => b["kind"] === kind);
}

describe("account lifecycle commands", () => {
  it("opens an account on a free meter and answers account.get with its balance and thresholds", async () => {
    const rig = openCommandRig(config);
    const opened = rig.send("account.open", open);
    expect(opened).toMatchObject({
      status: "ok",
      result: { status: "opened", view: { account: "c7", balance: "20.00", meters: ["m2"] } },
    });
    // A query: answered asynchronously.
    expect(await Promise.resolve(rig.send("account.get", { account: "c7" }))).toMatchObject({
      status: "ok",
      result: {
        account: "c7",
        customerNo: "CUST-0007",
        meters: ["m2"],
        tariff: "flat",
        balance: "20.00",
        moneyState: "warning2",
        thresholds: {
          alarm1: "50.00",
          alarm2: "30.00",
          overdraftLimit: "0.00",
          hoardingLimit: "10000.00",
          closeAllowedMin: "0.00",
        },
        protection: null,
        lastPurchaseSeq: 0,
        lastRefundSeq: 0,
        alarms: ["warning1", "warning2"],
        closedAtMs: null,
      },
    });
    expect(billing(rig, "account")).toEqual([
      {
        kind: "account",
        status: "opened",
        accountId: "c7",
        customerNo: "CUST-0007",
        meterId: "m2",
        balance: "20.00",
      },
    ]);
    expect(rig.send("account.open", open)).toMatchObject({ status: "ok", result: { status: "duplicate" } });
  });

  it("refuses a meter that already bills to an open account, and an id that exists", () => {
    const rig = openCommandRig(config);
    const before = domainSnapshot(rig.store);
    expect(rig.send("account.open", { ...open, meter: "m1" })).toMatchObject({
      status: "error",
      code: "METER_BOUND",
      details: { meter: "m1", account: "a1" },
    });
    expect(rig.send("account.open", { ...open, account: "a1" })).toMatchObject({ code: "ACCOUNT_EXISTS" });
    expect(rig.send("account.open", { ...open, meter: "nope" })).toMatchObject({ code: "UNKNOWN_METER" });
    expect(rig.send("account.open", { ...open, openingBalance: "6000" })).toMatchObject({
      code: "BALANCE_CAP",
      details: { wouldBe: "6000.00", maxBalance: "5000.00" },
    });
    expect(domainSnapshot(rig.store)).toEqual(before);
  });

  it("adjusts by a signed amount with reason and operator, as its own ledger and billing kind", () => {
    const rig = openCommandRig(config);
    const r = rig.send("adjustment", {
      account: "a1",
      amountFen: -25,
      reason: "meter test energy",
      operator: "li.wei",
    });
    expect(r).toMatchObject({ status: "ok", result: { account: "a1", amountFen: -25, balance: "0.75" } });
    expect(rig.store.ledger.recentForAccount("a1", 1)[0]).toMatchObject({
      kind: "adjustment",
      amountE7: -25 * 100_000,
    });
    expect(billing(rig, "adjustment").at(-1)).toEqual({
      kind: "adjustment",
      accountId: "a1",
      amount: "-0.25",
      balance: "0.75",
      reason: "meter test energy",
      operator: "li.wei",
      source: "uplink",
    });
    expect(
      rig.send("adjustment", { account: "a1", amountFen: 500_000, reason: "x", operator: "li" }),
    ).toMatchObject({
      code: "BALANCE_CAP",
    });
  });

  it("refunds once per refundSeq, never below zero, and refuses a conflicting duplicate naming the applied one", () => {
    const rig = openCommandRig(config);
    const refund = { account: "a1", refundSeq: 1, amountFen: 40, reason: "moved out" };
    expect(rig.send("refund", refund)).toMatchObject({
      status: "ok",
      result: { status: "applied", balance: "0.60" },
    });
    expect(rig.send("refund", refund)).toMatchObject({
      status: "ok",
      result: { status: "duplicate", balance: "0.60" },
    });
    const before = domainSnapshot(rig.store);
    expect(rig.send("refund", { ...refund, amountFen: 41 })).toMatchObject({
      code: "REFUND_CONFLICT",
      details: { applied: { refundSeq: 1, amountFen: 40, reason: "moved out", balance: "0.60" } },
    });
    expect(rig.send("refund", { ...refund, refundSeq: 2, amountFen: 61 })).toMatchObject({
      code: "REFUND_EXCEEDS_BALANCE",
      details: { amount: "0.61", balance: "0.60" },
    });
    expect(rig.send("refund", { ...refund, refundSeq: 3 })).toMatchObject({
      code: "REFUND_GAP",
      details: { lastAppliedRefundSeq: 1, expectedRefundSeq: 2 },
    });
    expect(domainSnapshot(rig.store)).toEqual(before);
    expect(rig.store.ledger.recentForAccount("a1", 1)[0]).toMatchObject({
      kind: "refund",
      amountE7: -40 * 100_000,
    });
    expect(billing(rig, "refund").map((b) => b["status"])).toEqual([
      "applied",
      "duplicate",
      "refused",
      "refused",
      "refused",
    ]);
  });
});
