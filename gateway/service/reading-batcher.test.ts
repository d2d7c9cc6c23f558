/**
 * The reading batcher on a ManualClock: a batch ends at its size limit or when its window passed on
 * the clock, whatever is collected is handed over at stop, and a batch the store refuses does not
 * stop the batches after it (with the real batch sink and a real SQLite file for its events).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import type { Reading } from "../metering/reading.ts";
import { openStore, type Store } from "../store/index.ts";
import { batchSink } from "./batch-sink.ts";
import { ReadingBatcher } from "./reading-batcher.ts";
import { StoreFailures } from "./store-failures.ts";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function reading(clock: ManualClock, meterId: string, energyWh: number): Reading {
  return {
    meterId,
    busId: "b1",
    unit: 1,
    wallMs: clock.now(),
    monoMs: clock.monotonicMs(),
    values: { importEnergyWh: energyWh },
    quality: [],
    durationMs: 10,
  };
}

/** A batcher whose batches are kept as lists of energies, in the order they were handed over. */
function setup(windowMs: number, maxBatch: number) {
  const clock = new ManualClock();
  const batches: number[][] = [];
  const batcher = new ReadingBatcher(
    clock,
    (batch) => batches.push(batch.map((r) => r.values.importEnergyWh ?? NaN)),
    windowMs,
    maxBatch,
  );
  const push = (energyWh: number) => batcher.push(reading(clock, "m1", energyWh));
  return { clock, batcher, batches, push };
}

describe("ReadingBatcher", () => {
  it("hands a batch over as soon as it is full, without waiting for the window", () => {
    const { clock, batches, push } = setup(200, 3);
    push(1);
    push(2);
    expect(batches).toEqual([]);
    push(3);
    expect(batches).toEqual([[1, 2, 3]]);
    // The window timer of the full batch is gone; the next batch starts its own.
    expect(clock.pendingTimers()).toBe(0);
    push(4);
    clock.advance(199);
    expect(batches).toEqual([[1, 2, 3]]);
    clock.advance(1);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it("ends a batch one window after its first reading, however many arrive after it", () => {
    const { clock, batches, push } = setup(200, 1000);
    push(1);
    clock.advance(150);
    push(2);
    clock.advance(49);
    push(3);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(10_000);
    expect(batches).toHaveLength(1);
  });

  it("hands over what it holds when flushed at stop, and nothing fires later", () => {
    const { clock, batcher, batches, push } = setup(200, 1000);
    push(1);
    push(2);
    batcher.flush();
    expect(batches).toEqual([[1, 2]]);
    expect(clock.pendingTimers()).toBe(0);
    batcher.flush();
    clock.advance(1000);
    expect(batches).toEqual([[1, 2]]);
  });

  it("goes on storing the batches after one the store refused, and says so once in the events", () => {
    const clock = new ManualClock();
    const dir = mkdtempSync(join(tmpdir(), "batcher-"));
    const store: Store = openStore({ dataDir: dir, clock });
    cleanups.push(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const ingested: number[][] = [];
    const stored: number[][] = [];
    const energies = (batch: readonly Reading[]) => batch.map((r) => r.values.importEnergyWh ?? NaN);
    const batcher = new ReadingBatcher(
      clock,
      batchSink({
        ingest: (batch) => {
          ingested.push(energies(batch));
          if (ingested.length <= 2) throw new Error("disk I/O error");
          return true;
        },
        store,
        logger: silentLogger(),
        failures: new StoreFailures(clock),
        afterStored: (batch) => stored.push(energies(batch)),
      }),
      200,
      2,
    );
    const firstFailureMs = clock.now();
    for (const energyWh of [1, 2, 3, 4, 5]) batcher.push(reading(clock, "m1", energyWh));
    clock.advance(200);
    batcher.push(reading(clock, "m1", 6));
    batcher.flush();
    expect(ingested).toEqual([[1, 2], [3, 4], [5], [6]]);
    expect(stored).toEqual([[5], [6]]);
    const events = store.events.list({ limit: 100 }).map((e) => [e.type, e.payload]);
    expect(events).toEqual([
      ["store.failed", expect.objectContaining({ data: { error: "disk I/O error", readings: 2 } })],
      [
        "store.recovered",
        expect.objectContaining({ data: { sinceMs: firstFailureMs, batches: 2, readings: 4 } }),
      ],
    ]);
  });
});
