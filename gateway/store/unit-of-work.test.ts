import { describe, expect, it } from "vitest";
import type { ManualClock } from "../../core/clock.ts";
import type { Store } from "./store.ts";
import { exampleThresholds, freshStorePerTest } from "../../test/helpers/store/temp-store.ts";

let clock: ManualClock;
let store: Store;

freshStorePerTest((opened, openedClock) => {
  store = opened;
  clock = openedClock;
  store.accounts.create({ id: "acc-1", meterId: "m1", thresholds: exampleThresholds });
});

/** What a charge does: ledger entry + balance, an alarm event, and the uplink records for both. */
function chargeWithSideEffects(readingId: number, failAt?: "after-ledger" | "after-outbox"): void {
  store.transaction((tx) => {
    const { entry } = tx.ledger.chargeReading({
      accountId: "acc-1",
      kind: "charge",
      amountE7: -300,
      readingId,
    });
    if (failAt === "after-ledger") throw new Error("boom");
    const event = tx.events.insert({ type: "prepaid.alarm1", severity: "warning", accountId: "acc-1" });
    tx.outbox.enqueue("billing", `ledger:${entry.id}`, { balanceE7: entry.balanceAfterE7 });
    tx.outbox.enqueue("events", `event:${event.id}`, { type: event.type });
    tx.kv.increment("charges");
    if (failAt === "after-outbox") throw new Error("boom");
  });
}

function snapshot(): unknown {
  return {
    balance: store.accounts.require("acc-1").balanceE7,
    ledger: store.ledger.count(),
    events: store.events.count(),
    outbox: store.outbox.backlogByStream(),
    seqs: [store.outbox.lastSeq("billing"), store.outbox.lastSeq("events")],
    charges: store.kv.get("charges"),
  };
}

describe("unit of work", () => {
  it("commits a state change together with the outbox records it causes", () => {
    const [r1] = store.readings.insertBatch([{ meterId: "m1", atMs: clock.now(), monoMs: 0, energyWh: 5 }]);
    chargeWithSideEffects(r1!);
    expect(snapshot()).toEqual({
      balance: -300,
      ledger: 1,
      events: 1,
      outbox: { billing: 1, events: 1 },
      seqs: [1, 1],
      charges: 1,
    });
  });

  it.each(["after-ledger", "after-outbox"] as const)("rolls back everything when it fails %s", (failAt) => {
    const [r1, r2] = store.readings.insertBatch([
      { meterId: "m1", atMs: clock.now(), monoMs: 0, energyWh: 5 },
      { meterId: "m1", atMs: clock.now(), monoMs: 1, energyWh: 6 },
    ]);
    chargeWithSideEffects(r1!);
    const before = snapshot();
    expect(() => chargeWithSideEffects(r2!, failAt)).toThrow("boom");
    expect(snapshot()).toEqual(before);
    // The reading was not charged, so the retry charges it and continues the sequences without a gap.
    chargeWithSideEffects(r2!);
    expect(store.ledger.findByReading(r2!)?.balanceAfterE7).toBe(-600);
    expect(store.outbox.fetchUndelivered("billing", { limit: 10 }).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("rolls back a whole poll batch when one reading is invalid", () => {
    expect(() =>
      store.readings.insertBatch([
        { meterId: "m1", atMs: clock.now(), monoMs: 0, energyWh: 5 },
        { meterId: "m2", atMs: clock.now(), monoMs: 0, energyWh: 5.5 },
      ]),
    ).toThrow(/INTEGER/);
    expect(store.readings.counts().total).toBe(0);
  });

  it("refuses an async function instead of committing half of it", () => {
    expect(() =>
      store.transaction(async (tx) => {
        tx.outbox.enqueue("events", "e1", {});
        await Promise.resolve();
      }),
    ).toThrow(/promise/);
    expect(store.outbox.backlogCount()).toBe(0);
  });

  it("lets an inner step fail without losing the outer work when the caller handles it", () => {
    store.transaction((tx) => {
      tx.outbox.enqueue("events", "kept", {});
      expect(() =>
        tx.transaction((inner) => {
          inner.outbox.enqueue("events", "dropped", {});
          throw new Error("inner");
        }),
      ).toThrow("inner");
    });
    expect(store.outbox.fetchUndelivered("events", { limit: 10 }).map((r) => [r.key, r.seq])).toEqual([
      ["kept", 1],
    ]);
  });

  it("atomic joins the caller's unit: its failure rolls back the caller's work, its effects wait for the outer commit", () => {
    const effects: string[] = [];
    expect(() =>
      store.transaction((tx) => {
        tx.outbox.enqueue("events", "outer", {});
        tx.atomic((inner) => {
          inner.outbox.enqueue("events", "inner", {});
          inner.afterCommit(() => effects.push("inner committed"));
          inner.onRollback(() => effects.push("inner rolled back"));
          throw new Error("inner");
        });
      }),
    ).toThrow("inner");
    expect(store.outbox.backlogCount()).toBe(0);
    expect(effects).toEqual(["inner rolled back"]);

    store.transaction((tx) => {
      tx.atomic((inner) => {
        inner.outbox.enqueue("events", "joined", {});
        inner.afterCommit(() => effects.push("joined committed"));
      });
      expect(effects).toEqual(["inner rolled back"]);
    });
    expect(effects).toEqual(["inner rolled back", "joined committed"]);
    // At top level it is a transaction of its own.
    store.atomic((tx) => tx.outbox.enqueue("events", "alone", {}));
    expect(store.outbox.fetchUndelivered("events", { limit: 10 }).map((r) => r.key)).toEqual([
      "joined",
      "alone",
    ]);
  });
});
