import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidTimeZone, localParts, splitByLocalRule, utcOffsetMs, type LocalParts } from "./local-time.ts";

const HOUR = 3_600_000;

function inWindow(startMin: number, endMin: number) {
  return (local: LocalParts) =>
    startMin < endMin
      ? local.minuteOfDay >= startMin && local.minuteOfDay < endMin
      : local.minuteOfDay >= startMin || local.minuteOfDay < endMin;
}

const same = (a: boolean, b: boolean) => a === b;

describe("localParts", () => {
  it("reads local date, time and weekday in the zone", () => {
    const parts = localParts(Date.UTC(2026, 0, 5, 12, 34, 56), "Asia/Shanghai");
    expect(parts).toEqual({
      year: 2026,
      month: 1,
      day: 5,
      hour: 20,
      minute: 34,
      second: 56,
      weekday: 1,
      minuteOfDay: 20 * 60 + 34,
      dateKey: "2026-01-05",
    });
    expect(localParts(Date.UTC(2026, 0, 4, 16, 0), "Asia/Shanghai").hour).toBe(0);
  });

  it("knows offsets, including DST", () => {
    expect(utcOffsetMs(Date.UTC(2026, 0, 5), "Asia/Shanghai")).toBe(8 * HOUR);
    expect(utcOffsetMs(Date.UTC(2026, 0, 5), "America/New_York")).toBe(-5 * HOUR);
    expect(utcOffsetMs(Date.UTC(2026, 6, 5), "America/New_York")).toBe(-4 * HOUR);
    expect(utcOffsetMs(Date.UTC(2026, 0, 5), "Asia/Kolkata")).toBe(5.5 * HOUR);
  });

  it("validates zone names", () => {
    expect(isValidTimeZone("Asia/Shanghai")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
});

describe("splitByLocalRule", () => {
  it("splits a window crossing midnight at both edges", () => {
    // 22:00-06:00 Shanghai = 14:00Z-22:00Z.
    const segments = splitByLocalRule(
      Date.UTC(2026, 0, 5, 12),
      Date.UTC(2026, 0, 6, 0),
      "Asia/Shanghai",
      [1320, 360],
      inWindow(1320, 360),
      same,
    );
    expect(segments).toEqual([
      { fromMs: Date.UTC(2026, 0, 5, 12), toMs: Date.UTC(2026, 0, 5, 14), value: false },
      { fromMs: Date.UTC(2026, 0, 5, 14), toMs: Date.UTC(2026, 0, 5, 22), value: true },
      { fromMs: Date.UTC(2026, 0, 5, 22), toMs: Date.UTC(2026, 0, 6, 0), value: false },
    ]);
  });

  it("gives a 02:00-04:00 window one hour on the spring-forward day (New York, 2026-03-08)", () => {
    // 02:00 EST does not exist: the clock jumps to 03:00 EDT at 07:00Z; 04:00 EDT is 08:00Z.
    const segments = splitByLocalRule(
      Date.UTC(2026, 2, 8, 5),
      Date.UTC(2026, 2, 8, 10),
      "America/New_York",
      [120, 240],
      inWindow(120, 240),
      same,
    );
    expect(segments.map((s) => [new Date(s.fromMs).toISOString(), s.value])).toEqual([
      ["2026-03-08T05:00:00.000Z", false],
      ["2026-03-08T07:00:00.000Z", true],
      ["2026-03-08T08:00:00.000Z", false],
    ]);
  });

  it("starts a window at a skipped time (02:30) at the moment of the jump", () => {
    const segments = splitByLocalRule(
      Date.UTC(2026, 2, 8, 5),
      Date.UTC(2026, 2, 8, 10),
      "America/New_York",
      [150, 240],
      inWindow(150, 240),
      same,
    );
    expect(segments.map((s) => s.fromMs)).toEqual([
      Date.UTC(2026, 2, 8, 5),
      Date.UTC(2026, 2, 8, 7),
      Date.UTC(2026, 2, 8, 8),
    ]);
  });

  it("gives a 01:00-02:00 window two real hours on the fall-back day (New York, 2026-11-01)", () => {
    const segments = splitByLocalRule(
      Date.UTC(2026, 10, 1, 3),
      Date.UTC(2026, 10, 1, 9),
      "America/New_York",
      [60, 120],
      inWindow(60, 120),
      same,
    );
    const window = segments.find((s) => s.value);
    expect(window).toEqual({ fromMs: Date.UTC(2026, 10, 1, 5), toMs: Date.UTC(2026, 10, 1, 7), value: true });
  });

  it("leaves and re-enters a 01:30-02:00 window when 01:00-02:00 repeats", () => {
    const segments = splitByLocalRule(
      Date.UTC(2026, 10, 1, 5),
      Date.UTC(2026, 10, 1, 7, 30),
      "America/New_York",
      [90, 120],
      inWindow(90, 120),
      same,
    );
    expect(segments.map((s) => [new Date(s.fromMs).toISOString().slice(11, 16), s.value])).toEqual([
      ["05:00", false],
      ["05:30", true],
      ["06:00", false],
      ["06:30", true],
      ["07:00", false],
    ]);
  });

  it("returns one empty segment for an empty interval and refuses a reversed one", () => {
    const at = Date.UTC(2026, 0, 5, 12);
    expect(
      splitByLocalRule(
        at,
        at,
        "UTC",
        [],
        () => 1,
        (a, b) => a === b,
      ),
    ).toEqual([{ fromMs: at, toMs: at, value: 1 }]);
    expect(() =>
      splitByLocalRule(
        at,
        at - 1,
        "UTC",
        [],
        () => 1,
        (a, b) => a === b,
      ),
    ).toThrow(RangeError);
  });

  it("agrees with a brute-force evaluation in zones with odd offsets and DST rules", () => {
    const zones = [
      "Asia/Shanghai",
      "America/New_York",
      "Europe/London",
      "Australia/Lord_Howe", // 30-minute DST
      "America/Santiago", // DST change at midnight
      "Asia/Kolkata",
      "Pacific/Chatham", // +12:45 / +13:45
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.oneof(
          fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }),
          // Biased towards the DST seasons of both hemispheres.
          fc.integer({ min: Date.UTC(2026, 2, 1), max: Date.UTC(2026, 3, 10) }),
          fc.integer({ min: Date.UTC(2026, 8, 1), max: Date.UTC(2026, 10, 10) }),
        ),
        fc.integer({ min: 0, max: 10 * 24 * HOUR }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1440 }),
        (zone, fromMs, lengthMs, startMin, endMin) => {
          fc.pre(startMin !== endMin % 1440);
          const classify = (local: LocalParts) =>
            `${local.dateKey.slice(0, 7)}:${inWindow(startMin, endMin)(local)}`;
          const toMs = fromMs + lengthMs;
          const segments = splitByLocalRule(
            fromMs,
            toMs,
            zone,
            [startMin, endMin % 1440],
            classify,
            (a, b) => a === b,
          );
          expect(segments[0]?.fromMs).toBe(fromMs);
          expect(segments[segments.length - 1]?.toMs).toBe(toMs);
          segments.forEach((segment, i) => {
            if (i > 0) {
              expect(segment.fromMs).toBe(segments[i - 1]?.toMs);
              expect(segment.value).not.toBe(segments[i - 1]?.value);
            }
            // Constant inside, exact at both ends, and checked every 7 minutes in between.
            for (let t = segment.fromMs; t < segment.toMs; t += 7 * 60_000) {
              expect(classify(localParts(t, zone))).toBe(segment.value);
            }
            if (segment.toMs > segment.fromMs) {
              expect(classify(localParts(segment.toMs - 1, zone))).toBe(segment.value);
            }
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
