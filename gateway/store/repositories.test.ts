import { describe, expect, it } from "vitest";
import type { ManualClock } from "../../core/clock.ts";
import type { Store } from "./store.ts";
import { freshStorePerTest } from "../../test/helpers/store/temp-store.ts";

let clock: ManualClock;
let store: Store;

freshStorePerTest((opened, openedClock) => {
  store = opened;
  clock = openedClock;
});

describe("readings", () => {
  it("stores a batch with every quantity and returns ids in input order", () => {
    const ids = store.readings.insertBatch([
      {
        meterId: "m1",
        atMs: 1000,
        monoMs: 12.75,
        energyWh: 123_456,
        exportEnergyWh: 7,
        voltageV: 230.1,
        currentA: 1.25,
        powerW: 287.6,
        powerFactor: 0.98,
        frequencyHz: 50.01,
        extra: { voltageL2V: 229.9 },
        qualityFlags: 0b101,
      },
      { meterId: "m1", atMs: 2000, monoMs: 13, energyWh: 123_460 },
    ]);
    expect(ids[1]).toBe(ids[0]! + 1);
    expect(store.readings.get(ids[0]!)).toEqual({
      id: ids[0],
      meterId: "m1",
      atMs: 1000,
      monoMs: 12,
      energyWh: 123_456,
      exportEnergyWh: 7,
      voltageV: 230.1,
      currentA: 1.25,
      powerW: 287.6,
      powerFactor: 0.98,
      frequencyHz: 50.01,
      extra: { voltageL2V: 229.9 },
      qualityFlags: 5,
      outboxId: null,
      deliveredAtMs: null,
    });
    expect(store.readings.latestForMeter("m1")?.energyWh).toBe(123_460);
    expect(store.readings.listForMeter("m1", { afterId: ids[0]!, limit: 10 }).map((r) => r.id)).toEqual([
      ids[1],
    ]);
    expect(store.readings.latestForMeter("m9")).toBeUndefined();
  });

  it("writes a large poll batch quickly in one transaction", () => {
    const batch = Array.from({ length: 1000 }, (_, i) => ({
      meterId: `m${i % 50}`,
      atMs: i,
      monoMs: i,
      energyWh: i,
    }));
    const started = performance.now();
    store.readings.insertBatch(batch);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(store.readings.counts()).toEqual({ total: 1000, undelivered: 1000 });
  });
});

describe("relay operation audit", () => {
  it("records a request, completes it once and lists what is pending", () => {
    const op = store.relayOps.request({
      meterId: "m1",
      accountId: "acc-1",
      action: "cut",
      reason: "credit_exhausted",
      requestedBy: "prepaid",
      commandTxId: "tx-9",
    });
    expect(op).toMatchObject({ result: null, readback: null, requestedAtMs: clock.now() });
    expect(store.relayOps.pending().map((o) => o.id)).toEqual([op.id]);
    clock.advance(2000);
    const done = store.relayOps.complete(op.id, { result: "ok", readback: "open", detail: { attempts: 1 } });
    expect(done).toMatchObject({
      result: "ok",
      readback: "open",
      detail: { attempts: 1 },
      completedAtMs: clock.now(),
    });
    expect(store.relayOps.pending()).toEqual([]);
    expect(() => store.relayOps.complete(op.id, { result: "failed", readback: "closed" })).toThrow(
      /write-once/,
    );
    expect(() => store.relayOps.complete(999, { result: "ok", readback: "open" })).toThrow(/does not exist/);
    expect(store.relayOps.forMeter("m1", 10)).toEqual([done]);
  });

  it("refuses edits to the request itself while pending", () => {
    const op = store.relayOps.request({
      meterId: "m1",
      action: "restore",
      reason: "topup",
      requestedBy: "prepaid",
    });
    expect(() => store.db.prepare("UPDATE relay_ops SET reason = 'x' WHERE id = ?").run(op.id)).toThrow(
      /write-once/,
    );
  });
});

describe("events", () => {
  it("appends and filters events", () => {
    store.events.insert({
      type: "meter.offline",
      severity: "warning",
      meterId: "m1",
      payload: { attempts: 3 },
    });
    const alarm = store.events.insert({ type: "prepaid.alarm1", severity: "alarm", accountId: "acc-1" });
    store.events.insert({ type: "meter.offline", severity: "warning", meterId: "m2" });
    expect(alarm).toMatchObject({ payload: {}, atMs: clock.now(), meterId: null });
    expect(store.events.list({ type: "meter.offline", limit: 10 }).map((e) => e.meterId)).toEqual([
      "m1",
      "m2",
    ]);
    expect(store.events.list({ accountId: "acc-1", limit: 10 })).toEqual([alarm]);
    expect(store.events.list({ afterId: alarm.id, limit: 10 })).toHaveLength(1);
    expect(() => store.db.prepare("UPDATE events SET type = 'x'").run()).toThrow(/append-only/);
  });
});

describe("commands seen and kv", () => {
  it("reports a replayed command transaction id", () => {
    expect(store.commandsSeen.remember("tx-1", "relay.cut")).toBe(true);
    expect(store.commandsSeen.remember("tx-1", "relay.cut")).toBe(false);
    expect(store.commandsSeen.has("tx-1")).toBe(true);
    expect(store.commandsSeen.count()).toBe(1);
  });

  it("keeps JSON values and atomic counters", () => {
    expect(store.kv.get("missing")).toBeUndefined();
    store.kv.set("boot", { at: 1 });
    expect(store.kv.get("boot")).toEqual({ at: 1 });
    expect(store.kv.increment("restarts")).toBe(1);
    expect(store.kv.increment("restarts", 4)).toBe(5);
    store.kv.delete("boot");
    expect(store.kv.get("boot")).toBeUndefined();
  });

  it("stores tariffs as opaque JSON", () => {
    store.tariffs.upsert("t1", "tou", { rates: [1, 2] });
    clock.advance(10);
    const updated = store.tariffs.upsert("t1", "flat", { price: 3 });
    expect(updated).toEqual({ id: "t1", kind: "flat", definition: { price: 3 }, updatedAtMs: clock.now() });
    expect(store.tariffs.list()).toEqual([updated]);
  });
});
