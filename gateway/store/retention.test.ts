import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { Store } from "./store.ts";
import { exampleThresholds, TempStores } from "../../test/helpers/store/temp-store.ts";

const temp = new TempStores();
let clock: ManualClock;
let store: Store;
const hour = 3_600_000;

beforeEach(() => {
  clock = new ManualClock();
  store = temp.open({ clock });
  store.accounts.create({ id: "acc-1", meterId: "m1", thresholds: exampleThresholds });
});
afterEach(() => temp.cleanup());

/** One poll batch of `n` readings published as one outbox record, charged and audited like the gateway will. */
function pollBatch(n: number, deliver: boolean): number {
  const outboxId = store.transaction((tx) => {
    const ids = tx.readings.insertBatch(
      Array.from({ length: n }, (_, i) => ({ meterId: "m1", atMs: clock.now(), monoMs: i, energyWh: i })),
    );
    for (const readingId of ids) {
      tx.ledger.chargeReading({ accountId: "acc-1", kind: "charge", amountE7: -1, readingId });
    }
    const { id } = tx.outbox.enqueue("readings", `batch:${ids[0]}`, { ids });
    tx.readings.linkOutbox(ids, id);
    tx.events.insert({ type: "meter.polled", severity: "info", meterId: "m1" });
    const op = tx.relayOps.request({ meterId: "m1", action: "cut", reason: "test", requestedBy: "prepaid" });
    tx.relayOps.complete(op.id, { result: "ok", readback: "open" });
    return id;
  });
  if (deliver) store.outbox.markDelivered([outboxId]);
  clock.advance(hour);
  return outboxId;
}

function auditCounts(): number[] {
  const count = (table: string) =>
    (store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number) ?? 0;
  return [count("ledger"), count("relay_ops"), count("events"), store.accounts.require("acc-1").balanceE7];
}

describe("retention", () => {
  it("deletes only delivered readings older than the age, and never audit data", () => {
    for (let i = 0; i < 4; i++) pollBatch(10, i !== 1); // batch 1 stays undelivered
    const audit = auditCounts();
    // now = start + 4h; batches at 0h..3h; age 2h removes delivered batches 0 (and 1, undelivered: kept).
    const result = store.applyRetention({ readingsMaxAgeMs: 2 * hour + 1 });
    expect(result).toEqual({ readings: 10, outbox: 0, commandsSeen: 0 });
    expect(store.readings.counts()).toEqual({ total: 30, undelivered: 10 });
    expect(auditCounts()).toEqual(audit);
  });

  it("trims delivered readings and outbox records to a row budget, keeping the newest and the backlog", () => {
    for (let i = 0; i < 5; i++) pollBatch(10, i !== 0); // batch 0 stays undelivered
    const audit = auditCounts();
    const result = store.applyRetention({ readingsMaxDelivered: 15, outboxMaxDelivered: 1, chunkRows: 4 });
    expect(result).toEqual({ readings: 25, outbox: 3, commandsSeen: 0 });
    expect(store.readings.counts()).toEqual({ total: 25, undelivered: 10 });
    const kept = store.db
      .prepare("SELECT min(id), max(id) FROM readings WHERE delivered_at_ms IS NOT NULL")
      .raw()
      .get();
    expect(kept).toEqual([36, 50]); // the newest 15 delivered: the second half of batch 3 and all of batch 4
    expect(store.outbox.backlogCount()).toBe(1);
    expect(store.db.prepare("SELECT count(*) FROM outbox").pluck().get()).toBe(2);
    expect(auditCounts()).toEqual(audit);
    expect(store.integrityCheck()).toEqual({ ok: true });
  });

  it("drops delivered outbox records by age and unlinks the readings they carried", () => {
    pollBatch(3, true);
    pollBatch(3, false);
    const result = store.applyRetention({ outboxMaxAgeMs: hour + 1 });
    expect(result.outbox).toBe(1);
    expect(store.readings.counts()).toEqual({ total: 6, undelivered: 3 });
    expect(store.readings.get(1)).toMatchObject({
      outboxId: null,
      deliveredAtMs: expect.any(Number) as number,
    });
  });

  it("forgets old command ids only", () => {
    store.commandsSeen.remember("tx-old", "relay.cut");
    clock.advance(48 * hour);
    store.commandsSeen.remember("tx-new", "relay.cut");
    expect(store.applyRetention({ commandsSeenMaxAgeMs: 24 * hour }).commandsSeen).toBe(1);
    expect([store.commandsSeen.has("tx-old"), store.commandsSeen.has("tx-new")]).toEqual([false, true]);
  });

  it("cannot be made to delete undelivered data even by hand", () => {
    pollBatch(2, false);
    expect(() => store.db.prepare("DELETE FROM readings").run()).toThrow(/undelivered readings/);
    expect(() => store.db.prepare("DELETE FROM outbox").run()).toThrow(/undelivered outbox/);
    expect(() => store.db.prepare("DELETE FROM events").run()).toThrow(/kept for audit/);
    expect(() => store.db.prepare("DELETE FROM relay_ops").run()).toThrow(/never deleted/);
  });
});
