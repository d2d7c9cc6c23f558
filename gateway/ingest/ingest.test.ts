import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { Reading } from "../metering/reading.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { ReadingIngest, type ReadingBilling } from "./ingest.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

const reading = (meterId: string, wallMs: number, monoMs: number): Reading => ({
  meterId,
  busId: "b1",
  unit: 1,
  wallMs,
  monoMs,
  values: { importEnergyWh: 1000 },
  quality: [],
  durationMs: 5,
});

function rig() {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const store = temp.open({ clock });
  const billed: Array<[string, number]> = [];
  const billing: ReadingBilling = {
    billReadings: (readings, ids) => readings.forEach((r, i) => billed.push([r.meterId, ids[i]!])),
  };
  return { store, billed, ingest: new ReadingIngest(store, billing) };
}

describe("the ingest stage", () => {
  it("stores and queues every reading, billed or not, then hands the batch to billing with its row ids", () => {
    const { store, billed, ingest } = rig();
    ingest.ingest([reading("unbilled", 1_000.7, 5.2), reading("m1", 1_001, 6)]);
    const [record] = store.outbox.fetchUndelivered("readings", { limit: 10 });
    const body = record!.payload as {
      readings: Array<{ readingId: number; meterId: string; wallMs: number }>;
    };
    expect(body.readings.map((r) => [r.meterId, r.wallMs])).toEqual([
      ["unbilled", 1000],
      ["m1", 1001],
    ]);
    expect(billed).toEqual(body.readings.map((r) => [r.meterId, r.readingId]));
    expect(store.readings.get(body.readings[0]!.readingId)?.outboxId).toBe(record!.id);
  });

  it("refuses a batch whose record fails the stream schema, loudly and without storing any of it", () => {
    const { store, billed, ingest } = rig();
    expect(() => ingest.ingest([reading("m1", 1_000, -1)])).toThrow(/invalid readings record/);
    expect(store.readings.counts().total).toBe(0);
    expect(store.outbox.backlogCount()).toBe(0);
    expect(billed).toEqual([]);
  });

  it("refuses a batch with a value that is not a finite number (JSON would turn it into null)", () => {
    const { store, billed, ingest } = rig();
    const garbled = { ...reading("m2", 1_000, 5), values: { importEnergyWh: 1000, powerW: Number.NaN } };
    expect(() => ingest.ingest([reading("m1", 1_000, 5), garbled])).toThrow(/invalid readings record/);
    expect(store.readings.counts().total).toBe(0);
    expect(store.outbox.backlogCount()).toBe(0);
    expect(billed).toEqual([]);
  });

  it("stores every row of a batch larger than one insert with the id its record carries", () => {
    const { store, ingest } = rig();
    ingest.ingest(Array.from({ length: 75 }, (_, i) => reading(`m${i}`, 1_000 + i, i)));
    const [record] = store.outbox.fetchUndelivered("readings", { limit: 10 });
    const body = record!.payload as {
      readings: Array<{ readingId: number; meterId: string; monoMs: number }>;
    };
    expect(body.readings).toHaveLength(75);
    for (const r of body.readings) {
      const row = store.readings.get(r.readingId);
      expect([row?.meterId, row?.monoMs, row?.outboxId]).toEqual([r.meterId, r.monoMs, record!.id]);
    }
  });
});
