/**
 * The meter-state pacer on a ManualClock: reading-only refreshes of one meter go out at most once per
 * interval (the newest one, when due), a change a user acts on goes out at once, and nothing held back is
 * lost at stop.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { MeterStatePacer } from "./meter-state-pacer.ts";

/** A meter directory reduced to what the pacer reads: the significant key and the state it would publish. */
function rig(intervalMs: number) {
  const clock = new ManualClock();
  const key = new Map<string, string>();
  const reading = new Map<string, number>();
  const published: Array<{ meterId: string; reading: number | undefined; atMs: number }> = [];
  const pacer = new MeterStatePacer({
    clock,
    intervalMs,
    significant: (meterId, into) => {
      const [link = "", relay = "", money = "", account] = (key.get(meterId) ?? "online|closed|normal").split(
        "|",
      );
      Object.assign(into, { link, relay, money, account });
    },
    publish: (meterId) =>
      published.push({ meterId, reading: reading.get(meterId), atMs: clock.monotonicMs() }),
  });
  const stored = (meterId: string, value: number) => {
    reading.set(meterId, value);
    pacer.changed(meterId);
  };
  return { clock, key, pacer, published, stored };
}

describe("MeterStatePacer", () => {
  it("publishes the first state at once, then the newest reading once per interval", () => {
    const { clock, pacer, published, stored } = rig(5000);
    const t0 = clock.monotonicMs();
    stored("m1", 1);
    for (let i = 2; i <= 20; i++) {
      clock.advance(250);
      stored("m1", i);
    }
    // 4,750 ms after the first publish: the 19 readings since are held, nothing else went out.
    expect(published).toEqual([{ meterId: "m1", reading: 1, atMs: t0 }]);
    expect(pacer.heldCount()).toBe(1);
    clock.advance(250);
    expect(published.map((p) => [p.reading, p.atMs - t0])).toEqual([
      [1, 0],
      [20, 5000],
    ]);
    expect(pacer.heldCount()).toBe(0);
  });

  it("publishes a change of online, relay or money state at once, without waiting for the interval", () => {
    const { clock, key, published, stored } = rig(5000);
    stored("m1", 1);
    clock.advance(100);
    stored("m1", 2);
    key.set("m1", "online|open|exhausted");
    clock.advance(100);
    stored("m1", 3);
    expect(published.map((p) => p.reading)).toEqual([1, 3]);
    clock.advance(10_000);
    expect(published.map((p) => p.reading)).toEqual([1, 3]);
  });

  it("publishes at once when any one of online, relay, money state or account changes, and when it changes back", () => {
    for (const changed of [
      "offline|closed|normal",
      "online|open|normal",
      "online|closed|warning1",
      "online|closed|normal|acc-2",
    ]) {
      const { clock, key, published, stored } = rig(5000);
      stored("m1", 1);
      clock.advance(100);
      key.set("m1", changed);
      stored("m1", 2);
      clock.advance(100);
      stored("m1", 3);
      key.delete("m1");
      clock.advance(100);
      stored("m1", 4);
      expect(
        published.map((p) => p.reading),
        changed,
      ).toEqual([1, 2, 4]);
    }
  });

  it("paces each meter on its own", () => {
    const { clock, published, stored } = rig(1000);
    stored("m1", 1);
    clock.advance(600);
    stored("m2", 1);
    stored("m1", 2);
    clock.advance(300);
    stored("m2", 2);
    expect(published.map((p) => `${p.meterId}:${p.reading}`)).toEqual(["m1:1", "m2:1"]);
    clock.advance(100); // m1 due (1,000 ms after its publish)
    expect(published.map((p) => `${p.meterId}:${p.reading}`)).toEqual(["m1:1", "m2:1", "m1:2"]);
    clock.advance(600); // m2 due at 1,600
    expect(published.map((p) => `${p.meterId}:${p.reading}`)).toEqual(["m1:1", "m2:1", "m1:2", "m2:2"]);
  });

  it("sends every held state at flushAll and none twice", () => {
    const { clock, pacer, published, stored } = rig(5000);
    stored("m1", 1);
    stored("m2", 1);
    clock.advance(10);
    stored("m1", 2);
    stored("m2", 2);
    pacer.flushAll();
    expect(published.map((p) => `${p.meterId}:${p.reading}`)).toEqual(["m1:1", "m2:1", "m1:2", "m2:2"]);
    clock.advance(60_000);
    expect(published).toHaveLength(4);
  });

  it("with interval 0 publishes every state", () => {
    const { published, stored } = rig(0);
    for (let i = 1; i <= 5; i++) stored("m1", i);
    expect(published.map((p) => p.reading)).toEqual([1, 2, 3, 4, 5]);
  });
});
