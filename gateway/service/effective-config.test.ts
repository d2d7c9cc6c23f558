/**
 * config.get answers the configuration in force, not the file as loaded at start: after account.set,
 * tariff.set and a top-up it shows the changed tariff and limits, the new tariff, the current balance
 * and purchase sequence (docs/mqtt.md 6.3).
 */
import { afterEach, describe, expect, it } from "vitest";
import { openCommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

/** m1 on a1; m2 free, for account.open. */
const withFreeMeter = `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
  - { id: m2, bus: b1, unit: 2, profile: generic-prepaid }
accounts:
  - { id: a1, tariff: flat, balance: "1.00" }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
`;

describe("config.get", () => {
  it("returns the effective accounts and tariffs with current balances and purchase sequences", async () => {
    const rig = openCommandRig();
    const ok = { status: "ok" };
    expect(rig.send("tariff.set", { tariff: { id: "night", kind: "flat", price: "0.3000" } })).toMatchObject(
      ok,
    );
    expect(rig.send("account.set", { account: "a1", tariff: "night", alarm1: "60.00" })).toMatchObject(ok);
    const topup = { account: "a1", amountFen: 500, purchaseSeq: 1, paymentRef: "PAY-1" };
    expect(rig.send("topup", topup)).toMatchObject(ok);
    // A query answers asynchronously, whatever the rig's signature says.
    const pending = rig.send("config.get", {}) as unknown as Promise<{ result: { config: object } }>;
    const response = await pending;
    const { accounts, tariffs } = response.result.config as {
      accounts: Record<string, unknown>[];
      tariffs: { id: string; price?: string }[];
    };
    expect(accounts).toEqual([
      expect.objectContaining({
        id: "a1",
        tariff: "night",
        alarm1: "60.00",
        balance: "6.00",
        lastPurchaseSeq: 1,
      }),
    ]);
    expect(tariffs.map((t) => t.id).sort()).toEqual(["flat", "night"]);
  });

  it("marks a closed account and shows its customer number", async () => {
    const rig = openCommandRig(withFreeMeter);
    const open = { account: "c9", customerNo: "CUST-9", meter: "m2", tariff: "flat", openingBalance: "1.00" };
    expect(rig.send("account.open", open)).toMatchObject({ status: "ok" });
    expect(rig.send("account.close", { account: "c9", reason: "moved out" })).toMatchObject({ status: "ok" });
    const pending = rig.send("config.get", {}) as unknown as Promise<{ result: { config: object } }>;
    const { accounts } = (await pending).result.config as { accounts: Record<string, unknown>[] };
    expect(accounts.find((a) => a["id"] === "c9")).toMatchObject({
      customerNo: "CUST-9",
      closedAtMs: expect.any(Number) as number,
    });
    expect(accounts.find((a) => a["id"] === "a1")).toMatchObject({ customerNo: null, closedAtMs: null });
  });
});
