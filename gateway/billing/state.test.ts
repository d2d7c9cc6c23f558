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

interface MeterStateRow {
  energy_wh: number | null;
  other_json: string;
  updated_at_ms: number;
}

/** The row of a meter's state as stored, or undefined. */
function row(meterId: string): MeterStateRow | undefined {
  return store.db
    .prepare("SELECT energy_wh, other_json, updated_at_ms FROM meter_states WHERE meter_id = ?")
    .get(meterId) as MeterStateRow | undefined;
}

describe("engine state persistence", () => {
  it("writes a state when it changed and skips the write when it did not", () => {
    const state = new EngineState(store);
    store.transaction(() => {
      state.meter("m1");
      state.persist();
    });
    expect(row("m1")).toEqual({ energy_wh: null, other_json: "{}", updated_at_ms: clock.now() });
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
    expect(row("m1")).toEqual({ energy_wh: 5, other_json: "{}", updated_at_ms: clock.now() });
  });

  it("gives a restarted engine exactly the meter state the last commit wrote", () => {
    const state = new EngineState(store);
    const withRun: MeterTrack = {
      ...track,
      lastClock: { wallMs: 1000, monoMs: 10, run: "run-1" },
      clockUnset: true,
    };
    store.transaction(() => {
      const meter = state.meter("m1");
      meter.track = withRun;
      meter.held = { sinceMs: 900, readings: 2, reason: "persistent-jump" };
      meter.identity = { serial: 42, pending: undefined };
      state.persist();
    });
    expect(new EngineState(store).peekMeter("m1")).toEqual(state.peekMeter("m1"));
    const moved: MeterTrack = { ...withRun, energyWh: 15, holds: 1 };
    clock.advance(1000);
    store.transaction(() => {
      state.meter("m1").track = moved;
      state.persist();
    });
    expect(row("m1")).toMatchObject({ energy_wh: 15, updated_at_ms: clock.now() });
    expect(new EngineState(store).peekMeter("m1")).toEqual({
      track: moved,
      held: { sinceMs: 900, readings: 2, reason: "persistent-jump" },
      identity: { serial: 42 },
    });
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
    expect(row("m1")?.other_json).toBe("{}");
  });
});
