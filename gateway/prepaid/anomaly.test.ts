import { describe, expect, it } from "vitest";
import { assessReading, DEFAULT_READING_LIMITS, type MeterReading, type MeterTrack } from "./anomaly.ts";

const T0 = Date.UTC(2026, 0, 5, 2);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** Feeds readings in order; returns each verdict and the events. */
function feed(readings: MeterReading[]) {
  let track: MeterTrack | undefined;
  return readings.map((reading) => {
    const result = assessReading(track, reading);
    track = result.track;
    return { verdict: result.verdict, events: result.events.map((e) => e.kind) };
  });
}

/** A reading `minutes` after T0 on both clocks. */
const r = (minutes: number, energyWh: number, extra: Partial<MeterReading> = {}): MeterReading => ({
  wallMs: T0 + minutes * MIN,
  monoMs: 1_000_000 + minutes * MIN,
  energyWh,
  ...extra,
});

describe("assessReading", () => {
  it("takes the first reading as a baseline and charges plausible deltas over the interval", () => {
    const [first, second] = feed([r(0, 1_000_000), r(15, 1_002_000)]);
    expect(first?.verdict).toEqual({ kind: "baseline" });
    expect(second?.verdict).toEqual({ kind: "charge", deltaWh: 2000, fromMs: T0, toMs: T0 + 15 * MIN });
  });

  it("holds a delta larger than the supply can physically draw in the monotonic time elapsed", () => {
    // 41.4 kW for 15 min = 10350 Wh (+20 Wh tolerance) is the most that is plausible.
    const steps = feed([r(0, 0), r(15, 10_370), r(30, 30_000), r(45, 30_100)]);
    expect(steps[1]?.verdict.kind).toBe("charge");
    expect(steps[2]).toEqual({ verdict: { kind: "hold", reason: "spike" }, events: ["energy-spike"] });
    // The next reading is plausible from the kept baseline: the whole delta is charged then.
    expect(steps[3]?.verdict).toEqual({
      kind: "charge",
      deltaWh: 19_730,
      fromMs: T0 + 15 * MIN,
      toMs: T0 + 45 * MIN,
    });
  });

  it("reports the plausible bound as whole Wh: the largest delta that is charged, one more is held", () => {
    // 41.4 kW for 233 ms is 2.68 Wh, + 20 Wh tolerance: 22 Wh is the most a whole-Wh register can pass.
    const base: MeterReading = { wallMs: T0, monoMs: 1_000_000, energyWh: 1_000 };
    const at = (energyWh: number): MeterReading => ({ wallMs: T0 + 233, monoMs: 1_000_233, energyWh });
    const first = assessReading(undefined, base).track;
    expect(assessReading(first, at(1_022)).verdict.kind).toBe("charge");
    const held = assessReading(first, at(1_023));
    expect(held.verdict).toEqual({ kind: "hold", reason: "spike" });
    expect(held.events).toEqual([{ kind: "energy-spike", deltaWh: 23, maxPlausibleWh: 22, elapsedMs: 233 }]);
  });

  it("accepts a jump that persists as a new baseline after maxConsecutiveHolds, audited and uncharged", () => {
    const steps = feed([r(0, 0), r(1, 900_000), r(2, 900_010), r(3, 900_020), r(4, 900_100)]);
    expect(steps.map((s) => s.verdict.kind)).toEqual(["baseline", "hold", "hold", "rebase", "charge"]);
    expect(steps[2]?.events).toEqual([]); // one spike event per streak
    expect(steps[3]?.verdict).toEqual({
      kind: "rebase",
      reason: "persistent-jump",
      fromWh: 0,
      toWh: 900_020,
    });
    expect(steps[4]?.verdict).toMatchObject({ deltaWh: 80 });
  });

  it("rebases on a register that went down (reset or meter replaced) and ignores noise within tolerance", () => {
    const steps = feed([r(0, 5000), r(5, 4990), r(10, 5030), r(15, 200), r(20, 260)]);
    expect(steps[1]?.verdict).toEqual({ kind: "charge", deltaWh: 0, fromMs: T0, toMs: T0 + 5 * MIN });
    expect(steps[2]?.verdict).toMatchObject({ kind: "charge", deltaWh: 30 });
    expect(steps[3]).toEqual({
      verdict: { kind: "rebase", reason: "decrease", fromWh: 5030, toWh: 200 },
      events: ["energy-rebased"],
    });
    expect(steps[4]?.verdict).toMatchObject({ kind: "charge", deltaWh: 60 });
  });

  it("holds on a wall-clock jump and charges the kept delta over the monotonic interval afterwards", () => {
    const jumped: MeterReading = {
      wallMs: T0 + 10 * MIN + 3 * HOUR,
      monoMs: 1_000_000 + 10 * MIN,
      energyWh: 1100,
    };
    const after: MeterReading = {
      wallMs: jumped.wallMs + 5 * MIN,
      monoMs: jumped.monoMs + 5 * MIN,
      energyWh: 1150,
    };
    const steps = feed([r(0, 1000), jumped, after]);
    expect(steps[1]).toEqual({ verdict: { kind: "hold", reason: "wall-jump" }, events: ["clock-anomaly"] });
    expect(steps[2]?.verdict).toEqual({
      kind: "charge",
      deltaWh: 150,
      fromMs: after.wallMs - 15 * MIN,
      toMs: after.wallMs,
    });
  });

  it("holds on a wall clock going backwards and on one that is not set yet", () => {
    const back: MeterReading = { wallMs: T0 - HOUR, monoMs: 1_000_000 + MIN, energyWh: 1010 };
    expect(feed([r(0, 1000), back])[1]?.verdict).toEqual({ kind: "hold", reason: "wall-backwards" });
    const unset: MeterReading = { wallMs: 5 * MIN, monoMs: 1_000_000 + MIN, energyWh: 1010 };
    expect(feed([r(0, 1000), unset])[1]?.verdict).toEqual({ kind: "hold", reason: "wall-implausible" });
  });

  it("reports a wall clock that is not set once, and judges the next set reading against the last set one", () => {
    const unset = (minutes: number, energyWh: number): MeterReading => ({
      wallMs: 5 * MIN + minutes * MIN,
      monoMs: 1_000_000 + minutes * MIN,
      energyWh,
    });
    const steps = feed([r(0, 1000), unset(1, 1010), unset(2, 1020), unset(3, 1030), r(4, 1040)]);
    expect(steps.map((s) => s.events)).toEqual([[], ["clock-anomaly"], [], [], []]);
    expect(steps.map((s) => s.verdict.kind)).toEqual(["baseline", "hold", "hold", "hold", "charge"]);
    expect(steps[4]?.verdict).toEqual({ kind: "charge", deltaWh: 40, fromMs: T0, toMs: T0 + 4 * MIN });
  });

  it("raises meter-stopped once while power is drawn and the register stands still, and its recovery", () => {
    const steps = feed([
      r(0, 1000, { powerW: 2000 }),
      r(1, 1000, { powerW: 2000 }), // 33 Wh expected: not yet
      r(2, 1000, { powerW: 2000 }), // 67 Wh expected: stopped
      r(3, 1000, { currentA: 9 }),
      r(4, 1100, { powerW: 2000 }),
    ]);
    expect(steps.map((s) => s.events)).toEqual([[], [], ["meter-stopped"], [], ["meter-stopped"]]);
    expect(feed([r(0, 1000, { powerW: 50 }), r(60, 1000, { powerW: 50 })])[1]?.events).toEqual([]);
  });

  it("rejects a negative or fractional register and uses the documented default power limit", () => {
    expect(() => assessReading(undefined, r(0, -1))).toThrow();
    expect(() => assessReading(undefined, r(0, 1.5))).toThrow();
    expect(DEFAULT_READING_LIMITS.maxPowerW).toBe(41_400);
  });
});
