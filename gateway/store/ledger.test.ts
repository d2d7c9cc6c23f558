import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { ManualClock } from "../../core/clock.ts";
import type { Store } from "./store.ts";
import { exampleThresholds, freshStorePerTest } from "../../test/helpers/store/temp-store.ts";

let clock: ManualClock;
let store: Store;

freshStorePerTest((opened, openedClock) => {
  store = opened;
  clock = openedClock;
  store.tariffs.upsert("res-flat", "flat", { priceE7PerKwh: 5_000_000 });
  store.accounts.create({ id: "acc-1", meterId: "m1", tariffId: "res-flat", thresholds: exampleThresholds });
});

function readingId(energyWh = 1000): number {
  return store.readings.insertBatch([{ meterId: "m1", atMs: clock.now(), monoMs: 0, energyWh }])[0]!;
}

describe("ledger", () => {
  it("moves the balance and the purchase count only through posted entries", () => {
    const topup = store.ledger.post({
      accountId: "acc-1",
      kind: "topup",
      amountE7: 100 * 1e7,
      purchaseSeq: 1,
    });
    const charge = store.ledger.post({
      accountId: "acc-1",
      kind: "charge",
      amountE7: -5_000_000,
      readingId: readingId(),
      tariffParts: { period: "flat", priceE7: 5_000_000, energyWh: 10 },
    });
    expect(topup.balanceAfterE7).toBe(100 * 1e7);
    expect(charge).toMatchObject({ balanceAfterE7: 100 * 1e7 - 5_000_000, tariffParts: { period: "flat" } });
    expect(store.accounts.require("acc-1")).toMatchObject({
      balanceE7: charge.balanceAfterE7,
      lastPurchaseSeq: 1,
    });
    expect(store.ledger.forAccount("acc-1", { limit: 10 }).map((e) => e.kind)).toEqual(["topup", "charge"]);
  });

  it("rejects UPDATE and DELETE of any entry", () => {
    const entry = store.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: 7 });
    expect(() => store.db.prepare("UPDATE ledger SET amount_e7 = 8 WHERE id = ?").run(entry.id)).toThrow(
      /append-only/,
    );
    expect(() => store.db.prepare("DELETE FROM ledger WHERE id = ?").run(entry.id)).toThrow(/append-only/);
    expect(() => store.db.prepare("DELETE FROM ledger").run()).toThrow(/append-only/);
    expect(store.ledger.get(entry.id)?.amountE7).toBe(7);
  });

  it("charges a reading at most once", () => {
    const id = readingId();
    const charge = { accountId: "acc-1", kind: "charge" as const, amountE7: -100, readingId: id };
    const first = store.ledger.chargeReading(charge);
    const replay = store.ledger.chargeReading(charge);
    expect(first.duplicate).toBe(false);
    expect(replay).toEqual({ entry: first.entry, duplicate: true });
    // The UNIQUE constraint holds even for a caller that skips the check.
    expect(() => store.ledger.post(charge)).toThrow(/UNIQUE/);
    expect(store.ledger.count("acc-1")).toBe(1);
    expect(store.accounts.require("acc-1").balanceE7).toBe(-100);
  });

  it("refuses a balance that does not follow the ledger", () => {
    store.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: 1000 });
    expect(() => store.db.prepare("UPDATE accounts SET balance_e7 = 5 WHERE id = 'acc-1'").run()).toThrow(
      /only through the ledger/,
    );
    expect(() =>
      store.db
        .prepare(
          `INSERT INTO ledger (account_id, kind, amount_e7, balance_after_e7, at_ms, mono_ms)
           VALUES ('acc-1', 'adjustment', 10, 99999, 0, 0)`,
        )
        .run(),
    ).toThrow(/does not continue/);
    expect(() =>
      store.db
        .prepare(
          `INSERT INTO accounts (id, balance_e7, alarm1_e7, alarm2_e7, overdraft_limit_e7, hoarding_limit_e7,
             close_allowed_min_e7, created_at_ms, updated_at_ms) VALUES ('acc-2', 500, 0, 0, 0, 0, 0, 0, 0)`,
        )
        .run(),
    ).toThrow(/open at zero/);
  });

  it("lists an account's entries in posting order with top-ups among charges, and its balance follows the latest", () => {
    store.accounts.create({
      id: "acc-2",
      meterId: "m2",
      tariffId: "res-flat",
      thresholds: exampleThresholds,
    });
    const other = () => store.ledger.post({ accountId: "acc-2", kind: "adjustment", amountE7: 7 });
    const post = (entry: Omit<Parameters<Store["ledger"]["post"]>[0], "accountId">) =>
      store.ledger.post({ accountId: "acc-1", ...entry });
    const ids = [
      post({ kind: "topup", amountE7: 1000, purchaseSeq: 1 }).id,
      post({ kind: "charge", amountE7: -10, readingId: readingId() }).id,
    ];
    other();
    ids.push(post({ kind: "adjustment", amountE7: -5 }).id);
    ids.push(post({ kind: "topup", amountE7: 500, purchaseSeq: 2 }).id);
    const setBalance = (balanceE7: number) =>
      store.db.prepare("UPDATE accounts SET balance_e7 = ? WHERE id = 'acc-1'").run(balanceE7);
    // The latest entry is a top-up: the balance before it is refused, its own balance stands.
    expect(() => setBalance(985)).toThrow(/only through the ledger/);
    expect(setBalance(1485).changes).toBe(1);
    ids.push(post({ kind: "charge", amountE7: -20, readingId: readingId() }).id);
    other();
    ids.push(post({ kind: "refund", amountE7: -100 }).id);
    expect(() => setBalance(1465)).toThrow(/only through the ledger/);

    const idsOf = (entries: { id: number }[]) => entries.map((e) => e.id);
    expect(idsOf(store.ledger.forAccount("acc-1", { limit: 100 }))).toEqual(ids);
    expect(idsOf(store.ledger.forAccount("acc-1", { afterId: ids[1], limit: 3 }))).toEqual(ids.slice(2, 5));
    expect(idsOf(store.ledger.recentForAccount("acc-1", 4))).toEqual(ids.slice(2).reverse());
    expect(store.ledger.recentForAccount("acc-1", 1)[0]).toMatchObject({
      kind: "refund",
      balanceAfterE7: 1365,
    });
    expect(store.ledger.count("acc-1")).toBe(6);
  });

  it("moves the balance with every entry inserted, whoever inserts it", () => {
    store.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: 1000 });
    // A second connection (a maintenance tool) appending a top-up that continues the chain.
    const tool = new Database(store.file);
    tool
      .prepare(
        `INSERT INTO ledger (account_id, kind, amount_e7, balance_after_e7, purchase_seq, at_ms, mono_ms)
         VALUES ('acc-1', 'topup', 500, 1500, 4, 77, 0)`,
      )
      .run();
    tool.close();
    expect(
      store.db
        .prepare("SELECT balance_e7, last_purchase_seq, updated_at_ms FROM accounts WHERE id = 'acc-1'")
        .get(),
    ).toEqual({ balance_e7: 1500, last_purchase_seq: 4, updated_at_ms: 77 });
  });

  it("keeps money integral and signs consistent with the kind", () => {
    expect(() => store.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: 1.5 })).toThrow(
      /INTEGER/,
    );
    expect(() => store.ledger.post({ accountId: "acc-1", kind: "charge", amountE7: 10 })).toThrow(/CHECK/);
    expect(() => store.ledger.post({ accountId: "acc-1", kind: "topup", amountE7: 10 })).toThrow(/CHECK/);
    expect(() => store.ledger.post({ accountId: "nobody", kind: "adjustment", amountE7: 1 })).toThrow(
      /does not exist/,
    );
    expect(store.ledger.count()).toBe(0);
  });

  it("refuses a duplicate or backwards purchase count", () => {
    store.ledger.post({ accountId: "acc-1", kind: "topup", amountE7: 10, purchaseSeq: 3 });
    expect(() =>
      store.ledger.post({ accountId: "acc-1", kind: "topup", amountE7: 10, purchaseSeq: 3 }),
    ).toThrow(/UNIQUE/);
    expect(() =>
      store.ledger.post({ accountId: "acc-1", kind: "topup", amountE7: 10, purchaseSeq: 2 }),
    ).toThrow(/backwards/);
    expect(store.accounts.require("acc-1")).toMatchObject({ balanceE7: 10, lastPurchaseSeq: 3 });
  });
});

describe("accounts", () => {
  it("round-trips thresholds, protection and extras, and patches settings", () => {
    const created = store.accounts.require("acc-1");
    expect(created).toMatchObject({
      meterId: "m1",
      tariffId: "res-flat",
      balanceE7: 0,
      protection: null,
      extras: {},
    });
    expect(created.thresholds).toEqual(exampleThresholds);
    clock.advance(1000);
    const updated = store.accounts.updateSettings("acc-1", {
      thresholds: { alarm1E7: 40 * 1e7 },
      protection: { reason: "hospital", untilMs: null },
      extras: { sms: "+86 100" },
    });
    expect(updated).toMatchObject({
      thresholds: { ...exampleThresholds, alarm1E7: 40 * 1e7 },
      protection: { reason: "hospital", untilMs: null },
      extras: { sms: "+86 100" },
      updatedAtMs: clock.now(),
    });
    expect(store.accounts.findByMeter("m1")?.id).toBe("acc-1");
    expect(store.accounts.updateSettings("acc-1", { protection: null }).protection).toBeNull();
  });
});
