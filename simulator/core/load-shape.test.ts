import { describe, expect, it } from "vitest";
import { loadSchema, type LoadSpecInput } from "../scenario/load-spec.ts";
import { createLoadShape } from "./load-shape.ts";

const hour = 3_600_000;
const start = Date.UTC(2026, 0, 5, 0, 0, 0);
const shape = (input: LoadSpecInput, utcOffsetMinutes = 0, seed = 1) =>
  createLoadShape(loadSchema.parse(input), { startMs: start, utcOffsetMinutes, seed });

describe("load shapes", () => {
  it("constant: a number is watts; energy is power x time", () => {
    const load = shape(1500);
    expect(load.powerAt(start + 5 * hour)).toBe(1500);
    expect(load.energyWh(start, start + 2 * hour)).toBe(3000);
    expect(load.energyWh(start + hour, start)).toBe(0);
  });

  it("daily, linear: joins the hourly points and integrates exactly", () => {
    const points = Array.from({ length: 24 }, (_, h) => (h === 12 ? 2400 : 0));
    const load = shape({ kind: "daily", hourlyW: points });
    expect(load.powerAt(start + 11.5 * hour)).toBeCloseTo(1200);
    expect(load.powerAt(start + 12 * hour)).toBeCloseTo(2400);
    // A triangle 11:00-13:00 peaking at 2400 W holds 2400 Wh.
    expect(load.energyWh(start, start + 24 * hour)).toBeCloseTo(2400, 6);
    expect(load.energyWh(start + 11 * hour, start + 12 * hour)).toBeCloseTo(1200, 6);
    // Whole days are periodic: ten days hold ten times as much, from any starting instant.
    expect(load.energyWh(start + 7 * hour, start + 7 * hour + 10 * 24 * hour)).toBeCloseTo(24_000, 4);
  });

  it("daily hours are local: utcOffsetMinutes shifts the curve", () => {
    const points = Array.from({ length: 24 }, (_, h) => (h === 8 ? 1000 : 0));
    const local = shape({ kind: "daily", hourlyW: points, interpolate: "step" }, 480);
    expect(local.powerAt(start + 0 * hour)).toBe(1000); // 00:00 UTC is 08:00 at UTC+8
    expect(local.powerAt(start + 8 * hour)).toBe(0);
  });

  it("steps: hold each power from its offset, repeating with repeatEvery", () => {
    const load = shape({
      kind: "steps",
      repeatEvery: "1d",
      steps: [
        { at: "0h", powerW: 400 },
        { at: "8h", powerW: 3000 },
        { at: "20h", powerW: 1000 },
      ],
    });
    expect(load.powerAt(start + 9 * hour)).toBe(3000);
    expect(load.powerAt(start + 24 * hour + 1)).toBe(400);
    const day = 8 * 400 + 12 * 3000 + 4 * 1000;
    expect(load.energyWh(start, start + 24 * hour)).toBe(day);
    expect(load.energyWh(start + 6 * hour, start + 54 * hour)).toBeCloseTo(2 * day, 6);
  });

  it("steps without repeat keep the last power, and the first one before it starts", () => {
    const load = shape({
      kind: "steps",
      steps: [
        { at: "1h", powerW: 100 },
        { at: "2h", powerW: 200 },
      ],
    });
    expect(load.powerAt(start)).toBe(100);
    expect(load.energyWh(start, start + 5 * hour)).toBe(100 + 100 + 3 * 200);
  });

  it("random walk: stays in bounds, and is the same for the same seed however it is read", () => {
    const spec = {
      kind: "random-walk",
      startW: 1000,
      minW: 500,
      maxW: 1500,
      stepW: 200,
      every: "1m",
    } as const;
    const a = shape(spec, 0, 99);
    const b = shape(spec, 0, 99);
    // Read a in one go, b in many small pieces (and once backwards): same energy.
    const total = a.energyWh(start, start + 6 * hour);
    let pieces = 0;
    for (let t = start; t < start + 6 * hour; t += 7 * 60_000 + 13)
      pieces += b.energyWh(t, Math.min(t + 7 * 60_000 + 13, start + 6 * hour));
    expect(pieces).toBeCloseTo(total, 6);
    expect(b.powerAt(start + hour)).toBe(a.powerAt(start + hour));
    for (let m = 0; m < 360; m++) {
      const p = a.powerAt(start + m * 60_000);
      expect(p).toBeGreaterThanOrEqual(500);
      expect(p).toBeLessThanOrEqual(1500);
    }
    expect(shape(spec, 0, 100).energyWh(start, start + 6 * hour)).not.toBeCloseTo(total, 3);
  });

  it("rejects shapes that cannot be integrated", () => {
    expect(loadSchema.safeParse({ kind: "daily", hourlyW: [1, 2, 3] }).success).toBe(false);
    expect(
      loadSchema.safeParse({ kind: "random-walk", startW: 9, minW: 10, maxW: 20, stepW: 1 }).success,
    ).toBe(false);
    expect(
      loadSchema.safeParse({
        kind: "steps",
        steps: [
          { at: "2h", powerW: 1 },
          { at: "1h", powerW: 2 },
        ],
      }).success,
    ).toBe(false);
    expect(loadSchema.safeParse(-5).success).toBe(false);
  });
});
