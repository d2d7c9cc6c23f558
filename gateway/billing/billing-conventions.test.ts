/**
 * docs/mqtt.md section 3.4 "Signs and conventions", checked against the records the gateway writes:
 * one run that produces every billing kind (an opening balance, charges under a flat and a tiered tariff,
 * applied, duplicate and refused top-ups, a held jump charged and one waived, a balance snapshot, a
 * daily freeze), replayed in seq order with the documented sign of each kind: the rebuilt balance equals
 * the balance every record states. The rule is the independent consumer's (test/consumer/client/).
 */
import { afterEach, describe, expect, it } from "vitest";
import { openCommandRig, type CommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs } from "../../test/helpers/billing/engine-rig.ts";
import { balanceDelta } from "../../test/consumer/client/ledger.ts";
import { yuanToE7 } from "../../test/consumer/client/money.ts";
import { freeze } from "../schedule/freeze.ts";

afterEach(closeEngineRigs);

const config = `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
  - { id: m2, bus: b1, unit: 2, profile: generic-prepaid, account: a2 }
accounts:
  - { id: a1, tariff: flat, balance: "10.00", alarm1: "9.00", alarm2: "5.00" }
  - { id: a2, tariff: tiered, balance: "100.00" }
tariffs:
  - { id: flat, kind: flat, price: "1.0000" }
  - { id: tiered, kind: tiered, price: "0.4883", settlement: monthly, tiers: [{ fromWh: 0, increment: "0" }, { fromWh: 5000, increment: "0.0500" }] }
`;

const minute = 60_000;
type Body = { kind: string; [field: string]: unknown };

/** Three implausible readings of m1 in a row: a held jump; returns its anomaly id. */
function holdJump(rig: CommandRig, fromWh: number): number {
  for (let i = 0; i < 3; i++) {
    rig.clock.advance(minute);
    rig.ingest([rig.read("m1", fromWh + 100_000)]);
  }
  return rig.events("anomaly.implausible-delta").at(-1)!.data["anomalyId"] as number;
}

function produceEveryKind(rig: CommandRig): void {
  rig.ingest([rig.read("m1", 1_000), rig.read("m2", 1_000)]);
  rig.clock.advance(10 * minute); // plausible: at most 41.4 kW x 10 min = 6900 Wh
  rig.ingest([rig.read("m1", 2_500), rig.read("m2", 7_000)]); // 1.5 yuan on a1: below alarm 1; m2 into tier 1
  const topup = { account: "a1", amountFen: 500, purchaseSeq: 1, paymentRef: "PAY-1" };
  expect(rig.send("topup", topup)).toMatchObject({ status: "ok", result: { status: "applied" } });
  expect(rig.send("topup", topup)).toMatchObject({ status: "ok", result: { status: "duplicate" } });
  expect(rig.send("topup", { ...topup, purchaseSeq: 5 })).toMatchObject({ code: "TOPUP_GAP" });
  const charged = holdJump(rig, 2_500);
  expect(
    rig.send("anomaly.resolve", { meter: "m1", anomaly: charged, action: "charge", reason: "ok" }),
  ).toMatchObject({ status: "ok" });
  const waived = holdJump(rig, 102_500);
  expect(
    rig.send("anomaly.resolve", { meter: "m1", anomaly: waived, action: "waive", reason: "no" }),
  ).toMatchObject({ status: "ok" });
  freeze(rig.store, rig.engine.settings.meterAccount, "UTC", rig.clock.now(), "daily");
}

describe("billing records follow the documented conventions", () => {
  it("every kind moves the balance by its documented sign, and the rest holds", () => {
    const rig = openCommandRig(config);
    produceEveryKind(rig);
    const records = rig.store.outbox
      .fetchUndelivered("billing", { limit: 10_000 })
      .map((r) => ({ seq: r.seq, body: r.payload as Body }));
    const running = new Map<string, bigint>();
    for (const { seq, body } of records) {
      const account = body["accountId"] as string;
      const balance = (running.get(account) ?? 0n) + balanceDelta(body);
      running.set(account, balance);
      const stated = (body["balance"] ?? body["closingBalance"]) as string;
      expect({ seq, kind: body.kind, balance: yuanToE7(stated) }).toEqual({ seq, kind: body.kind, balance });
    }
    const kinds = records.map(
      ({ body }) => `${body.kind}${typeof body["status"] === "string" ? `:${body["status"]}` : ""}`,
    );
    for (const kind of ["adjustment", "charge", "topup:applied", "topup:duplicate", "topup:refused"])
      expect(kinds).toContain(kind);
    for (const kind of ["anomaly:charged", "anomaly:waived", "balance", "daily"])
      expect(kinds).toContain(kind);

    const bodies = records.map((r) => r.body);
    const of = (kind: string) => bodies.filter((b) => b.kind === kind);
    // The opening balance is an adjustment whose amount is the configured balance.
    expect(of("adjustment").map((b) => [b["accountId"], b["amount"], b["reason"]])).toEqual([
      ["a1", "10.00", "opening balance from config"],
      ["a2", "100.00", "opening balance from config"],
    ]);
    // Costs are positive (or zero), top-up amounts whole positive fen, a waived jump costs "0.00".
    for (const b of [...of("charge"), ...of("anomaly"), ...of("daily")])
      expect(yuanToE7(b["amount"] as string) >= 0n).toBe(true);
    for (const b of of("topup"))
      expect(Number.isInteger(b["amountFen"]) && (b["amountFen"] as number) > 0).toBe(true);
    expect(of("anomaly").find((b) => b["status"] === "waived")?.["amount"]).toBe("0.00");
    for (const b of of("charge")) {
      const parts = b["parts"] as Array<{ amount: string }>;
      expect(parts.reduce((sum, p) => sum + yuanToE7(p.amount), 0n)).toBe(yuanToE7(b["amount"] as string));
    }
    // Parts: tier 0 for an untiered tariff, the 0-based tier index otherwise; period names of the config.
    const parts = of("charge").flatMap((b) =>
      (b["parts"] as Array<{ period: string; tier: number }>).map((p) => ({ ...p, meter: b["meterId"] })),
    );
    expect(new Set(parts.filter((p) => p.meter === "m1").map((p) => p.tier))).toEqual(new Set([0]));
    expect(new Set(parts.filter((p) => p.meter === "m2").map((p) => p.tier))).toEqual(new Set([0, 1]));
    expect(parts.every((p) => ["sharp", "peak", "flat", "valley"].includes(p.period))).toBe(true);
    expect(new Set(parts.map((p) => p.period))).toEqual(new Set(["flat"])); // flat and tiered prices: "flat"
    // A daily record's period is a local day.
    expect(of("daily").every((b) => /^\d{4}-\d{2}-\d{2}$/.test(b["period"] as string))).toBe(true);
  });
});
