import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import type { StoredTrack } from "./meter-states.ts";
import { migrations } from "./schema.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

const track: StoredTrack = {
  energyWh: 1_000_020,
  wallMs: 1_796_187_721_185,
  monoMs: -8_543,
  lastClock: { wallMs: 1_796_187_721_190, monoMs: -8_540, run: "1ba97603-c24b-4910-8066-f9ad14f52156" },
  lastAdvanceMonoMs: -9_000,
  stopped: true,
  holds: 2,
  clockUnset: true,
};

describe("meter states", () => {
  it("gives back exactly the track and the JSON stored, after a reopen", () => {
    const dataDir = temp.dir();
    const store = temp.open({ dataDir });
    const plain = { ...track, stopped: false, holds: 0, lastClock: { wallMs: 5, monoMs: 6 } };
    delete (plain as { clockUnset?: true }).clockUnset;
    store.transaction(() => {
      store.meterStates.put("m1", track, '{"held":{"sinceMs":1}}');
      store.meterStates.put("m2", plain, "{}");
      store.meterStates.put("m3", undefined, '{"identity":{"serial":7}}');
    });
    store.close();
    const reopened = temp.open({ dataDir });
    expect(reopened.meterStates.get("m1")).toEqual({ track, otherJson: '{"held":{"sinceMs":1}}' });
    expect(reopened.meterStates.get("m2")).toStrictEqual({ track: plain, otherJson: "{}" });
    expect(reopened.meterStates.get("m3")).toEqual({
      track: undefined,
      otherJson: '{"identity":{"serial":7}}',
    });
    expect(reopened.meterStates.get("m4")).toBeUndefined();
  });

  it("stores times floored to whole ms, as a stored track is read back", () => {
    const store = temp.open();
    const fractional = { ...track, wallMs: track.wallMs + 0.74, lastClock: { wallMs: 10.5, monoMs: -0.25 } };
    store.meterStates.put("m1", fractional, "{}");
    expect(store.meterStates.get("m1")?.track).toMatchObject({
      wallMs: track.wallMs,
      lastClock: { wallMs: 10, monoMs: -1 },
    });
  });

  it("moves each meter's state out of kv when a file is upgraded (migration 7)", () => {
    const dataDir = temp.dir();
    const clock = new ManualClock(1_000);
    const earlier = temp.open({ dataDir, clock, migrations: migrations.slice(0, 6) });
    const stored = { ...track, wallMs: 1_796_187_721_185.74, monoMs: 12.2603 };
    earlier.kv.set("prepaid.meter.m1", { identity: { serial: 7 }, track: stored, held: { n: 1 } });
    earlier.kv.set("prepaid.meter.m2", { identity: { serial: 8 } });
    earlier.kv.set("prepaid.account.a1", { flags: { warning1: true } });
    earlier.close();

    const store = temp.open({ dataDir, clock });
    expect(store.meterStates.get("m1")).toEqual({
      track: { ...track, wallMs: 1_796_187_721_185, monoMs: 12 },
      otherJson: '{"identity":{"serial":7},"held":{"n":1}}',
    });
    expect(store.meterStates.get("m2")).toEqual({ track: undefined, otherJson: '{"identity":{"serial":8}}' });
    expect(store.kv.get("prepaid.meter.m1")).toBeUndefined();
    expect(store.kv.get("prepaid.account.a1")).toEqual({ flags: { warning1: true } });
  });
});
