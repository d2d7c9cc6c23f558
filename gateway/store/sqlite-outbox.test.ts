import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { outboxConformance } from "../../test/helpers/store/outbox-conformance.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

outboxConformance("SqliteOutbox", (clock) => {
  const local = new TempStores();
  const store = local.open({ clock });
  return { outbox: store.outbox, dispose: () => local.cleanup() };
});

describe("SqliteOutbox persistence", () => {
  it("continues every stream's sequence after close and reopen", () => {
    const dataDir = temp.dir();
    let store = temp.open({ dataDir });
    store.outbox.enqueue("readings", "r1", {});
    store.outbox.enqueue("readings", "r2", {});
    store.outbox.enqueue("events", "e1", {});
    store.close();

    store = temp.open({ dataDir });
    expect(store.outbox.enqueue("readings", "r3", {}).seq).toBe(3);
    expect(store.outbox.enqueue("events", "e2", {}).seq).toBe(2);
    expect(store.outbox.backlogByStream()).toEqual({ events: 2, readings: 3 });
  });

  it("hands a rolled-back sequence number to the next record, leaving no gap", () => {
    const store = temp.open();
    store.outbox.enqueue("billing", "b1", {});
    expect(() =>
      store.transaction((tx) => {
        expect(tx.outbox.enqueue("billing", "b2", {}).seq).toBe(2);
        throw new Error("state change failed");
      }),
    ).toThrow("state change failed");
    expect(store.outbox.lastSeq("billing")).toBe(1);
    expect(store.outbox.enqueue("billing", "b3", {}).seq).toBe(2);
    expect(store.outbox.fetchUndelivered("billing", { limit: 10 }).map((r) => [r.key, r.seq])).toEqual([
      ["b1", 1],
      ["b3", 2],
    ]);
  });

  it("never reuses a sequence number after delivered records are evicted", () => {
    const clock = new ManualClock();
    const store = temp.open({ clock });
    const ids = [1, 2, 3].map((i) => store.outbox.enqueue("events", `e${i}`, {}).id);
    store.outbox.markDelivered(ids);
    expect(store.applyRetention({ outboxMaxDelivered: 0 }).outbox).toBe(3);
    expect(store.outbox.enqueue("events", "e4", {}).seq).toBe(4);
    expect(store.outbox.lastId()).toBe(4);
  });

  it("marks the readings an acknowledged record carried as delivered", () => {
    const clock = new ManualClock();
    const store = temp.open({ clock });
    const readingIds = store.transaction((tx) => {
      const ids = tx.readings.insertBatch([
        { meterId: "m1", atMs: clock.now(), monoMs: 0, energyWh: 1000 },
        { meterId: "m2", atMs: clock.now(), monoMs: 0, energyWh: 2000 },
      ]);
      const { id } = tx.outbox.enqueue("readings", "batch-1", { ids });
      tx.readings.linkOutbox(ids, id);
      return ids;
    });
    expect(store.readings.counts()).toEqual({ total: 2, undelivered: 2 });
    clock.advance(1000);
    store.outbox.markDelivered([store.readings.get(readingIds[0]!)!.outboxId!]);
    expect(store.readings.counts()).toEqual({ total: 2, undelivered: 0 });
    expect(store.readings.get(readingIds[1]!)?.deliveredAtMs).toBe(clock.now());
  });

  it("refuses to delete or edit an undelivered record", () => {
    const store = temp.open();
    const { id } = store.outbox.enqueue("events", "e1", { a: 1 });
    expect(() => store.db.prepare("DELETE FROM outbox WHERE id = ?").run(id)).toThrow(/cannot be deleted/);
    expect(() => store.db.prepare("UPDATE outbox SET payload_json = '{}' WHERE id = ?").run(id)).toThrow(
      /immutable/,
    );
    expect(() => store.db.prepare("UPDATE outbox SET seq = 5 WHERE id = ?").run(id)).toThrow(/immutable/);
  });
});
