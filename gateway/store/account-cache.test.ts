/**
 * The accounts repository caches rows inside transactions (see row-cache.ts). What a caller reads must
 * always be what the database holds: after its own writes, after a rollback, after a savepoint that rolled
 * back, and after another connection committed.
 */
import { describe, expect, it } from "vitest";
import type { ManualClock } from "../../core/clock.ts";
import type { Store } from "./store.ts";
import {
  exampleThresholds,
  freshStorePerTest,
  type TempStores,
} from "../../test/helpers/store/temp-store.ts";

let clock: ManualClock;
let store: Store;
let temp: TempStores;

freshStorePerTest((opened, openedClock, openedTemp) => {
  store = opened;
  clock = openedClock;
  temp = openedTemp;
  store.accounts.create({ id: "acc-1", thresholds: exampleThresholds });
  store.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: 1000 });
});

/** The account as a fresh query sees it, bypassing the repository. */
function stored(): { balance_e7: number; last_purchase_seq: number; updated_at_ms: number } {
  return store.db
    .prepare("SELECT balance_e7, last_purchase_seq, updated_at_ms FROM accounts WHERE id = 'acc-1'")
    .get() as { balance_e7: number; last_purchase_seq: number; updated_at_ms: number };
}

describe("account cache", () => {
  it("follows ledger posts and settings changes inside one transaction", () => {
    store.transaction((tx) => {
      expect(tx.accounts.require("acc-1").balanceE7).toBe(1000);
      clock.advance(5000);
      tx.ledger.post({ accountId: "acc-1", kind: "topup", amountE7: 500, purchaseSeq: 3 });
      const account = tx.accounts.require("acc-1");
      expect(account).toMatchObject({ balanceE7: 1500, lastPurchaseSeq: 3, updatedAtMs: clock.now() });
      expect(stored()).toEqual({ balance_e7: 1500, last_purchase_seq: 3, updated_at_ms: clock.now() });
      tx.accounts.updateSettings("acc-1", { tariffId: null, thresholds: { alarm1E7: 7 } });
      expect(tx.accounts.require("acc-1").thresholds.alarm1E7).toBe(7);
    });
    expect(store.accounts.require("acc-1")).toMatchObject({ balanceE7: 1500, lastPurchaseSeq: 3 });
  });

  it("forgets what a rolled-back unit of work wrote", () => {
    expect(() =>
      store.transaction((tx) => {
        tx.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: -300 });
        expect(tx.accounts.require("acc-1").balanceE7).toBe(700);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    store.transaction((tx) => expect(tx.accounts.require("acc-1").balanceE7).toBe(1000));
    expect(stored().balance_e7).toBe(1000);
  });

  it("forgets what a rolled-back savepoint wrote while the outer unit goes on", () => {
    store.transaction((tx) => {
      tx.accounts.require("acc-1");
      expect(() =>
        tx.transaction((inner) => {
          inner.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: -300 });
          inner.accounts.require("acc-1");
          throw new Error("refused");
        }),
      ).toThrow("refused");
      expect(tx.accounts.require("acc-1").balanceE7).toBe(1000);
      tx.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: 1 });
      expect(tx.accounts.require("acc-1").balanceE7).toBe(1001);
    });
    expect(stored().balance_e7).toBe(1001);
  });

  it("sees a commit by another connection (the CLI on the same file)", () => {
    store.transaction((tx) => expect(tx.accounts.require("acc-1").balanceE7).toBe(1000));
    const other = temp.open({ dataDir: store.file.replace(/\/[^/]+$/, ""), clock });
    other.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: 42 });
    store.transaction((tx) => expect(tx.accounts.require("acc-1").balanceE7).toBe(1042));
    expect(store.accounts.require("acc-1").balanceE7).toBe(1042);
    // Also in transactions begun on the raw connection, which Sql cannot see begin or end.
    const raw = store.db.transaction(() => store.accounts.require("acc-1").balanceE7);
    expect(raw()).toBe(1042);
    other.ledger.post({ accountId: "acc-1", kind: "adjustment", amountE7: 8 });
    expect(raw()).toBe(1050);
  });
});
