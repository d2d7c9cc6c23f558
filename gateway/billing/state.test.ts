import { describe, expect, it } from "vitest";
import type { ManualClock } from "../../core/clock.ts";
import type { Store } from "../store/index.ts";
import { freshStorePerTest } from "../../test/helpers/store/temp-store.ts";
import type { MeterTrack } from "../prepaid/index.ts";
import { EngineState } from "./state.ts";

const track: MeterTrack = {
  energyWh: 5,
  wallMs: 1000,
  monoMs: 10,
  lastClock: { wallMs: 1000, monoMs: 10 },
  lastAdvanceMonoMs: 10,
  stopped: false,
  holds: 0,
};

let clock: ManualClock;
let store: Store;

freshStorePerTest((opened, openedClock) => {
  store = opened;
  clock = openedClock;
});

/** The kv row of a meter's state as stored, or undefined. */
function row(meterId: string): { value_json: string; updated_at_ms: number } | undefined {
  return store.db
    .prepare("SELECT value_json, updated_at_ms FROM kv WHERE key = ?")
    .get(`prepaid.meter.${meterId}`) as { value_json: string; updated_at_ms: number } | undefined;
}

describe("engine state persistence", () => {
  it("writes a state when it changed and skips the write when it did not", () => {
    const state = new EngineState(store);
    store.transaction(() => {
      state.meter("m1");
      state.persist();
    });
    expect(row("m1")).toEqual({ value_json: "{}", updated_at_ms: clock.now() });
    const firstWrite = clock.now();
    clock.advance(1000);
    store.transaction(() => {
      state.meter("m1");
      state.persist();
    });
    expect(row("m1")?.updated_at_ms).toBe(firstWrite);
    store.transaction(() => {
      state.meter("m1").track = track;
      state.persist();
    });
    expect(row("m1")).toEqual({ value_json: JSON.stringify({ track }), updated_at_ms: clock.now() });
  });

  it("writes again after a rolled-back unit of work, from what the database holds", () => {
    const state = new EngineState(store);
    expect(() =>
      store.transaction(() => {
        state.meter("m1");
        state.persist();
        throw new Error("boom");
      }),
    ).toThrow("boom");
    state.discard();
    expect(row("m1")).toBeUndefined();
    store.transaction(() => {
      state.meter("m1");
      state.persist();
    });
    expect(row("m1")?.value_json).toBe("{}");
  });
});
