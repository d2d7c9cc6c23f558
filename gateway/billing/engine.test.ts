import { afterEach, describe, expect, it } from "vitest";
import { closeEngineRigs, noticeRigConfig, openEngineRig } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

/** m1 with alarms and a 60 s cut notice, h1 protected. */
const setup = () => openEngineRig(noticeRigConfig);

describe("prepaid engine", () => {
  it("charges, warns once per threshold, announces the cut, cuts after the notice and restores after a top-up", async () => {
    const { store, clock, relays, engine, ops, read, eventTypes, ingest } = setup();
    ingest([read("m1", 10_000)]);
    clock.advance(60_000);
    ingest([read("m1", 10_500)]); // 0.5 kWh at 1.0000 -> balance 0.50
    expect(store.accounts.require("a1").balanceE7).toBe(5_000_000);
    clock.advance(60_000);
    ingest([read("m1", 10_500)]); // nothing new: no second alarm
    expect(eventTypes().filter((t) => t === "alarm.raised")).toHaveLength(2);
    clock.advance(60_000);
    ingest([read("m1", 11_100)]); // -0.10: overdraft and exhausted
    expect(store.accounts.require("a1").balanceE7).toBe(-1_000_000);
    expect(eventTypes()).toContain("cut.announced@m1");
    expect(relays.writes).toEqual([]);

    clock.advance(59_000);
    expect(relays.writes).toEqual([]);
    clock.advance(1_000);
    await engine.relaysSettled();
    expect(relays.writes).toEqual([["m1", false]]);
    expect(eventTypes()).toContain("cut.done@m1");
    const cut = store.relayOps.forMeter("m1", 10)[0]!;
    expect(cut).toMatchObject({
      action: "cut",
      reason: "arrears",
      requestedBy: "prepaid",
      result: "ok",
      readback: "open",
    });

    // Too little to pass closeAllowedMin (0.20): stays off.
    expect(
      ops.topup({ account: "a1", amountFen: 20, purchaseSeq: 1, paymentRef: "p1", source: "local" }),
    ).toMatchObject({ ok: true });
    await engine.relaysSettled();
    expect(relays.writes).toHaveLength(1);
    expect(eventTypes()).toContain("restore.withheld@m1");
    // Enough: restored.
    expect(
      ops.topup({ account: "a1", amountFen: 500, purchaseSeq: 2, paymentRef: "p2", source: "local" }),
    ).toEqual({
      ok: true,
      result: { status: "applied", amountFen: 500, paymentRef: "p2", balance: "5.10" },
    });
    await engine.relaysSettled();
    expect(relays.writes).toEqual([
      ["m1", false],
      ["m1", true],
    ]);
    expect(eventTypes()).toContain("restore.done@m1");
  });

  it("applies a top-up exactly once by purchase sequence and names a missing one", () => {
    const { store, ops } = setup();
    const topup = (seq: number, fen = 100) =>
      ops.topup({ account: "a1", amountFen: fen, purchaseSeq: seq, paymentRef: `p${seq}`, source: "uplink" });
    expect(topup(1)).toMatchObject({ ok: true, result: { status: "applied", balance: "2.00" } });
    expect(topup(1)).toMatchObject({ ok: true, result: { status: "duplicate", balance: "2.00" } });
    const gap = topup(3);
    expect(gap).toMatchObject({ ok: false, code: "TOPUP_GAP" });
    expect(gap.ok ? "" : gap.message).toMatch(/purchase 2 is missing/);
    expect(topup(0)).toMatchObject({ ok: false });
    expect(topup(2, 1_000_000_000)).toMatchObject({ ok: false, code: "TOPUP_HOARDING_LIMIT" });
    expect(
      ops.topup({ account: "nobody", amountFen: 1, purchaseSeq: 1, paymentRef: "x", source: "uplink" }),
    ).toMatchObject({ ok: false, code: "UNKNOWN_ACCOUNT" });
    expect(store.accounts.require("a1").balanceE7).toBe(20_000_000);
    const billing = store.outbox
      .fetchUndelivered("billing", { limit: 100 })
      .map((r) => (r.payload as { kind: string; status?: string }).status ?? r.payload);
    expect(billing.filter((s) => typeof s === "string")).toEqual([
      "applied",
      "duplicate",
      "refused",
      "refused",
      "refused",
    ]);
  });

  it("never cuts a protected account, however far in arrears", async () => {
    const { store, clock, relays, engine, read, eventTypes, ingest } = setup();
    ingest([read("h1", 0)]);
    for (let i = 1; i <= 5; i++) {
      clock.advance(60_000);
      ingest([read("h1", i * 400)]);
    }
    expect(store.accounts.require("hospital").balanceE7).toBeLessThan(0);
    clock.advance(3_600_000);
    await engine.relaysSettled();
    expect(relays.writes).toEqual([]);
    expect(eventTypes().filter((t) => t.startsWith("cut."))).toEqual([]);
  });

  it("charges each reading once and keeps the balance equal to the ledger's sum", () => {
    const { store, clock, read, ingest } = setup();
    let energy = 0;
    ingest([read("m1", energy)]);
    for (let i = 0; i < 50; i++) {
      clock.advance(10_000);
      energy += 17 + (i % 7);
      ingest([read("m1", energy)]);
    }
    const entries = store.ledger.forAccount("a1", { limit: 1000 });
    const sum = entries.reduce((s, e) => s + e.amountE7, 0);
    expect(store.accounts.require("a1").balanceE7).toBe(sum);
    const charged = entries.filter((e) => e.kind === "charge").reduce((s, e) => s - e.amountE7, 0);
    // 1.0000 yuan/kWh = 10000 e7 per Wh, exactly.
    expect(charged).toBe(energy * 10_000);
    expect(new Set(entries.filter((e) => e.kind === "charge").map((e) => e.readingId)).size).toBe(50);
  });
});

describe("held energy jumps", () => {
  it("holds a persisting implausible jump until a command charges or waives it", () => {
    const { store, clock, ops, read, ingest } = setup();
    ingest([read("m1", 10_000)]);
    const before = store.accounts.require("a1").balanceE7;
    // 50 kWh in a minute is 3 MW: impossible for this supply. The register stays up there.
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      ingest([read("m1", 60_000 + i * 10)]);
    }
    const held = store.events
      .list({ limit: 1000 })
      .filter((e) => (e.payload as { data: { anomalyId?: number } }).data.anomalyId !== undefined);
    // The first implausible reading announces the id; the persistent jump is held under the same one.
    const ids = held.map((e) => (e.payload as { data: { anomalyId: number } }).data.anomalyId);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    const anomalyId = ids[0]!;
    // Nothing of the jump was charged (later small deltas may be).
    expect(before - store.accounts.require("a1").balanceE7).toBeLessThan(50_000 * 10_000);
    const mid = store.accounts.require("a1").balanceE7;

    const charged = ops.anomalyResolve("m1", anomalyId, "charge", "meter verified on site");
    expect(charged).toEqual({
      ok: true,
      result: {
        meter: "m1",
        anomaly: anomalyId,
        action: "charge",
        energyWh: 50_020,
        amount: "50.02",
        balance: expect.any(String) as string,
      },
    });
    // Everything since the last charged reading (the jump and the use during the holds), at 1.0000 yuan/kWh.
    expect(store.accounts.require("a1").balanceE7).toBe(mid - 500_200_000);
    expect(ops.anomalyResolve("m1", anomalyId, "waive", "again")).toMatchObject({
      ok: false,
      code: "UNKNOWN_ANOMALY",
    });
    expect(
      store.ledger.forAccount("a1", { limit: 100 }).filter((e) => e.ref === `anomaly:${anomalyId}`),
    ).toHaveLength(1);
  });

  it("waives a held jump without charging", () => {
    const { store, clock, ops, read, ingest } = setup();
    ingest([read("m1", 10_000)]);
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000);
      ingest([read("m1", 90_000)]);
    }
    const event = store.events
      .list({ limit: 1000 })
      .find((e) => (e.payload as { data: { anomalyId?: number } }).data.anomalyId !== undefined)!;
    const anomalyId = (event.payload as { data: { anomalyId: number } }).data.anomalyId;
    const balance = store.accounts.require("a1").balanceE7;
    expect(ops.anomalyResolve("m1", anomalyId, "waive", "register swapped")).toMatchObject({
      ok: true,
      result: { action: "waive", amount: "0.00" },
    });
    expect(store.accounts.require("a1").balanceE7).toBe(balance);
    const billing = store.outbox
      .fetchUndelivered("billing", { limit: 100 })
      .map((r) => r.payload as { kind: string; status?: string });
    expect(billing.filter((b) => b.kind === "anomaly")).toMatchObject([{ status: "waived" }]);
  });
});
