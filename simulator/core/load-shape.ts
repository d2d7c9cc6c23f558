/**
 * Load shapes: power as a function of simulated time, with the exact energy integral, so a meter's
 * energy depends only on the scenario and the seed, never on when (or how often) it was read.
 */
import type { LoadSpec } from "../scenario/load-spec.ts";
import { mulberry32, type Random } from "./prng.ts";

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

export interface LoadShape {
  readonly spec: LoadSpec;
  /** Power drawn at simulated time `tMs` (epoch ms), W, >= 0. */
  powerAt(tMs: number): number;
  /** Energy drawn over [fromMs, toMs], Wh (0 when toMs <= fromMs). */
  energyWh(fromMs: number, toMs: number): number;
}

export interface LoadContext {
  /** Simulated epoch ms the simulation started: offsets of `steps` and `random-walk` count from it. */
  startMs: number;
  /** Minutes east of UTC of the simulated local time that `daily` hours refer to; -720..840. */
  utcOffsetMinutes: number;
  /** Seed of this meter's load stream (random walk). */
  seed: number;
}

export function createLoadShape(spec: LoadSpec, context: LoadContext): LoadShape {
  switch (spec.kind) {
    case "constant":
      return {
        spec,
        powerAt: () => spec.powerW,
        energyWh: (a, b) => (b > a ? (spec.powerW * (b - a)) / hourMs : 0),
      };
    case "daily":
      return dailyShape(spec, context);
    case "steps":
      return stepsShape(spec, context);
    case "random-walk":
      return new RandomWalk(spec, context);
  }
}

/** Integrates a periodic function: whole periods at once, then `integrate` over the remainder. */
function periodic(period: number, perPeriodWh: number, integrate: (a: number, b: number) => number) {
  return (fromMs: number, toMs: number): number => {
    if (toMs <= fromMs) return 0;
    const whole = Math.floor((toMs - fromMs) / period);
    return whole * perPeriodWh + integrate(fromMs + whole * period, toMs);
  };
}

function dailyShape(spec: Extract<LoadSpec, { kind: "daily" }>, context: LoadContext): LoadShape {
  const offsetMs = context.utcOffsetMinutes * 60_000;
  const points = spec.hourlyW;
  const at = (hour: number) => points[((hour % 24) + 24) % 24]!;
  // Power at a fractional hour of the local day.
  const power = (hourOfDay: number): number => {
    const h = Math.floor(hourOfDay);
    if (spec.interpolate === "step") return at(h);
    return at(h) + (at(h + 1) - at(h)) * (hourOfDay - h);
  };
  const hourOf = (t: number) => ((((t + offsetMs) % dayMs) + dayMs) % dayMs) / hourMs;
  // Exact integral within one hour [a, b] (fractional hours of the same hour h), in Wh.
  const segment = (h: number, a: number, b: number): number => {
    if (spec.interpolate === "step") return at(h) * (b - a);
    const slope = at(h + 1) - at(h);
    return at(h) * (b - a) + (slope * ((b - h) ** 2 - (a - h) ** 2)) / 2;
  };
  const within = (fromMs: number, toMs: number): number => {
    let total = 0;
    for (let t = fromMs; t < toMs;) {
      const hour = hourOf(t);
      const h = Math.floor(hour);
      const end = Math.min(toMs, t + (h + 1 - hour) * hourMs);
      total += segment(h, hour, hour + (end - t) / hourMs);
      if (end <= t) break;
      t = end;
    }
    return total;
  };
  let perDay = 0;
  for (let h = 0; h < 24; h++) perDay += segment(h, h, h + 1);
  return { spec, powerAt: (t) => power(hourOf(t)), energyWh: periodic(dayMs, perDay, within) };
}

function stepsShape(spec: Extract<LoadSpec, { kind: "steps" }>, context: LoadContext): LoadShape {
  const steps = spec.steps;
  const period = spec.repeatEvery;
  // Offset within the pattern, ms since the start (or since the current period's start).
  const offsetOf = (t: number): number => {
    const since = t - context.startMs;
    return period === undefined ? since : ((since % period) + period) % period;
  };
  // Before the first step: the first step's power, or with a repeat the last step's (from the period before).
  const indexAt = (offset: number): number => {
    if (offset < steps[0]!.at) return period === undefined ? 0 : steps.length - 1;
    let index = 0;
    for (let i = 0; i < steps.length; i++) if (steps[i]!.at <= offset) index = i;
    return index;
  };
  const powerAt = (t: number) => steps[indexAt(offsetOf(t))]!.powerW;
  // Integral over [a, b] where no period boundary lies strictly inside.
  const within = (fromMs: number, toMs: number): number => {
    let total = 0;
    for (let t = fromMs; t < toMs;) {
      const offset = offsetOf(t);
      const i = indexAt(offset);
      const boundary = offset < steps[0]!.at ? steps[0]!.at : (steps[i + 1]?.at ?? period ?? Infinity);
      const end = Math.min(toMs, t + (boundary - offset));
      total += (steps[i]!.powerW * (end - t)) / hourMs;
      if (end <= t) break;
      t = end;
    }
    return total;
  };
  if (period === undefined) return { spec, powerAt, energyWh: (a, b) => (b > a ? within(a, b) : 0) };
  const perPeriod = within(context.startMs, context.startMs + period);
  return { spec, powerAt, energyWh: periodic(period, perPeriod, within) };
}

/**
 * A seeded random walk, piecewise constant per step. Walks forward from a cursor (reads move forward in
 * time); going back restarts from the seed, so values stay a pure function of time.
 */
class RandomWalk implements LoadShape {
  private random: Random;
  private step = 0;
  private value: number;

  constructor(
    readonly spec: Extract<LoadSpec, { kind: "random-walk" }>,
    private readonly context: LoadContext,
  ) {
    this.random = mulberry32(context.seed);
    this.value = spec.startW;
  }

  powerAt(tMs: number): number {
    return this.valueAt(this.stepOf(tMs));
  }

  energyWh(fromMs: number, toMs: number): number {
    let total = 0;
    for (let t = fromMs; t < toMs;) {
      const k = this.stepOf(t);
      const end = Math.min(toMs, this.context.startMs + (k + 1) * this.spec.every);
      total += (this.valueAt(k) * (end - t)) / hourMs;
      t = end;
    }
    return total;
  }

  private stepOf(tMs: number): number {
    return Math.max(0, Math.floor((tMs - this.context.startMs) / this.spec.every));
  }

  private valueAt(k: number): number {
    if (k < this.step) {
      this.random = mulberry32(this.context.seed);
      this.step = 0;
      this.value = this.spec.startW;
    }
    const { minW, maxW, stepW } = this.spec;
    for (; this.step < k; this.step++) {
      this.value = Math.min(maxW, Math.max(minW, this.value + (this.random() * 2 - 1) * stepW));
    }
    return this.value;
  }
}
