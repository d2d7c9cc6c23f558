/**
 * Top-up idempotency as the platform sees it (docs/mqtt.md 6.3, 6.6): a purchase number identifies one
 * payment, so another payment under a used number is refused naming the applied one; the same purchase
 * again is answered with the applied figures; a retried transaction gets its original answer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { domainSnapshot } from "../../test/helpers/uplink/fixtures.ts";
import { openCommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

const purchase = (purchaseSeq: number, amountFen: number, paymentRef: string) => ({
  account: "a1",
  purchaseSeq,
  amountFen,
  paymentRef,
});

describe("top-up idempotency", () => {
  it.each([
    ["another payment reference", purchase(1, 500, "PAY-OTHER")],
    ["another amount", purchase(1, 700, "PAY-1")],
  ])("refuses the applied purchaseSeq with %s as TOPUP_CONFLICT naming the applied one", (_n, again) => {
    const rig = openCommandRig();
    expect(rig.send("topup", purchase(1, 500, "PAY-1"))).toMatchObject({ status: "ok" });
    const before = domainSnapshot(rig.store);
    const response = rig.send("topup", again);
    expect(response).toMatchObject({
      status: "error",
      code: "TOPUP_CONFLICT",
      details: { applied: { purchaseSeq: 1, amountFen: 500, paymentRef: "PAY-1", balance: "6.00" } },
    });
    expect(domainSnapshot(rig.store)).toEqual(before);
  });

  it("answers a duplicate with the original amount, reference and resulting balance", () => {
    const rig = openCommandRig();
    rig.send("topup", purchase(1, 500, "PAY-1"));
    rig.send("topup", purchase(2, 300, "PAY-2"));
    const response = rig.send("topup", purchase(1, 500, "PAY-1"));
    expect(response).toMatchObject({
      status: "ok",
      result: { status: "duplicate", purchaseSeq: 1, amountFen: 500, paymentRef: "PAY-1", balance: "6.00" },
    });
    expect(rig.store.accounts.get("a1")?.balanceE7).toBe(9 * 1e7);
  });

  it("answers a retried transaction with its original result, also after the balance moved", () => {
    const rig = openCommandRig();
    const first = rig.send("topup", purchase(1, 500, "PAY-1"), { transaction: "tx-retry-0001" });
    rig.send("topup", purchase(2, 300, "PAY-2"));
    const retry = rig.send("topup", purchase(1, 500, "PAY-1"), { transaction: "tx-retry-0001" });
    expect(first).toMatchObject({ status: "ok", result: { status: "applied", balance: "6.00" } });
    expect(retry).toMatchObject({ status: "ok", replayed: true });
    expect(retry).toHaveProperty("result", (first as { result: unknown }).result);
  });

  it("says which purchase is expected when one is missing or stale", () => {
    const rig = openCommandRig();
    rig.send("topup", purchase(1, 500, "PAY-1"));
    rig.send("topup", purchase(2, 500, "PAY-2"));
    const details = { lastAppliedPurchaseSeq: 2, expectedPurchaseSeq: 3 };
    expect(rig.send("topup", purchase(5, 500, "PAY-5"))).toMatchObject({ code: "TOPUP_GAP", details });
    expect(rig.send("topup", purchase(0 + 1, 900, "PAY-9"))).toMatchObject({ code: "TOPUP_CONFLICT" });
  });
});
