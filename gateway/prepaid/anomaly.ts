/**
 * Plausibility of energy readings before anything is charged (the concentrator events of DOMAIN.md
 * section 5: reading decrease, energy over tolerance, meter stopped, clock deviation). Verdicts:
 * - charge: the delta since the baseline is plausible; charge it over [fromMs, toMs].
 * - hold: implausible (spike, clock anomaly): nothing charged, baseline energy kept so nothing is lost.
 * - rebase: the register went down (reset, meter replaced) or a jump persisted: audited, nothing charged,
 *   the reading becomes the new baseline.
 * Physical plausibility uses MONOTONIC elapsed time, which a wall-clock jump cannot stretch.
 */
import { checkClock, MIN_PLAUSIBLE_WALL_MS, type ClockAnomaly, type ClockSample } from "./clock-check.ts";
import { inRunOf, wholeTrack } from "./track-time.ts";
import { assertSafeInteger } from "./money.ts";
import type { MeterTrack } from "./meter-track.ts";

export type { MeterTrack } from "./meter-track.ts";

/** Bounds of plausibility; see {@link DEFAULT_READING_LIMITS}. */
export interface ReadingLimits {
  /** Most power the supply can draw, W, > 0 (a 60 A three-phase 230 V supply: 41400 W). */
  readonly maxPowerW: number;
  /** Register resolution and noise allowance, Wh, >= 0 (DL/T 645 energy is XXXXXX.XX kWh: 10 Wh). */
  readonly toleranceWh: number;
  /** Wall vs monotonic disagreement tolerated between readings, ms (see clock-check.ts). */
  readonly clockToleranceMs: number;
  /** Consecutive implausible readings after which the new level is accepted as a baseline, >= 1. */
  readonly maxConsecutiveHolds: number;
  /** Power above which a meter whose register does not move is suspected stopped, W. */
  readonly stoppedMinPowerW: number;
  /** Energy the measured power should have registered before "stopped" is raised, Wh. */
  readonly stoppedEnergyWh: number;
  /** Voltage used to estimate power from current when only current is read, V. */
  readonly nominalVoltageV: number;
}

/** 60 A x 230 V x 3 phases: the largest residential/small-commercial supply this gateway expects. */
export const DEFAULT_MAX_POWER_W = 60 * 230 * 3;

/** Defaults: 41.4 kW, 20 Wh tolerance, 10 s clock tolerance, 3 holds, stopped above 100 W after 50 Wh, 230 V. */
export const DEFAULT_READING_LIMITS: ReadingLimits = {
  maxPowerW: DEFAULT_MAX_POWER_W,
  toleranceWh: 20,
  clockToleranceMs: 10_000,
  maxConsecutiveHolds: 3,
  stoppedMinPowerW: 100,
  stoppedEnergyWh: 50,
  nominalVoltageV: 230,
};

/** One reading of a meter's total energy register. */
export interface MeterReading extends ClockSample {
  /** Register value, Wh, non-negative safe integer. */
  readonly energyWh: number;
  /** Instantaneous active power, W, if read. */
  readonly powerW?: number | undefined;
  /** Current, A, if read (used when power is not). */
  readonly currentA?: number | undefined;
}

/** What to do with a reading's energy (see the module comment). */
export type ReadingVerdict =
  | { readonly kind: "baseline" }
  | { readonly kind: "charge"; readonly deltaWh: number; readonly fromMs: number; readonly toMs: number }
  | { readonly kind: "hold"; readonly reason: "spike" | ClockAnomaly }
  | {
      readonly kind: "rebase";
      readonly reason: "decrease" | "persistent-jump";
      readonly fromWh: number;
      readonly toWh: number;
    };

/** Audit events, each raised once per occurrence (stopped: once when it happens, once when it recovers). */
export type ReadingEvent =
  | { readonly kind: "clock-anomaly"; readonly anomaly: ClockAnomaly; readonly skewMs: number }
  | {
      readonly kind: "energy-spike";
      readonly deltaWh: number;
      readonly maxPlausibleWh: number;
      readonly elapsedMs: number;
    }
  | {
      readonly kind: "energy-rebased";
      readonly reason: "decrease" | "persistent-jump";
      readonly fromWh: number;
      readonly toWh: number;
    }
  | { readonly kind: "meter-stopped"; readonly state: "happened" | "recovered"; readonly powerW: number };

/** The verdict, the track to persist for the next reading, and audit events. */
export interface ReadingAssessment {
  readonly verdict: ReadingVerdict;
  readonly track: MeterTrack;
  readonly events: readonly ReadingEvent[];
}

/** Judges `reading` against the meter's track (undefined for its first reading). */
export function assessReading(
  stored: MeterTrack | undefined,
  reading: MeterReading,
  limits: ReadingLimits = DEFAULT_READING_LIMITS,
): ReadingAssessment {
  assertSafeInteger(reading.energyWh, "energyWh");
  // Times must be whole ms: every time this function derives (and the ledger charges over) is then whole.
  assertSafeInteger(reading.wallMs, "wallMs");
  assertSafeInteger(reading.monoMs, "monoMs");
  if (reading.energyWh < 0) throw new RangeError(`energyWh ${reading.energyWh} is negative`);
  const clock = { wallMs: reading.wallMs, monoMs: reading.monoMs, run: reading.run };
  if (stored === undefined) return { verdict: { kind: "baseline" }, track: fresh(reading), events: [] };
  if (clock.wallMs < MIN_PLAUSIBLE_WALL_MS) return unsetClock(wholeTrack(stored));
  const track: MeterTrack = { ...inRunOf(wholeTrack(stored), clock), clockUnset: undefined };

  const check = checkClock(track.lastClock, clock, limits.clockToleranceMs);
  if (!check.ok) {
    return {
      verdict: { kind: "hold", reason: check.anomaly },
      track: { ...reframe(track, reading, check.anomaly), lastClock: clock },
      events: [{ kind: "clock-anomaly", anomaly: check.anomaly, skewMs: check.skewMs }],
    };
  }

  const deltaWh = reading.energyWh - track.energyWh;
  if (deltaWh < -limits.toleranceWh) return rebase(track, reading, "decrease");

  const elapsedMs = reading.monoMs - track.monoMs;
  // Whole Wh, rounded down: the delta is a whole number of Wh, so `deltaWh > floor(x)` holds exactly
  // when `deltaWh > x`, and the bound the event reports is the largest delta that would have passed.
  const maxPlausibleWh = Math.floor((limits.maxPowerW * elapsedMs) / 3_600_000 + limits.toleranceWh);
  if (deltaWh > maxPlausibleWh) {
    const holds = track.holds + 1;
    if (holds >= limits.maxConsecutiveHolds) return rebase(track, reading, "persistent-jump");
    // One event per streak of implausible readings, not one per poll.
    const events: ReadingEvent[] =
      holds === 1 ? [{ kind: "energy-spike", deltaWh, maxPlausibleWh, elapsedMs }] : [];
    return {
      verdict: { kind: "hold", reason: "spike" },
      track: { ...track, lastClock: clock, holds },
      events,
    };
  }

  return charge(track, reading, deltaWh, limits);
}

/** A plausible reading: charge its advance since the baseline and move the baseline to it. */
function charge(
  track: MeterTrack,
  reading: MeterReading,
  deltaWh: number,
  limits: ReadingLimits,
): ReadingAssessment {
  // A decrease within the tolerance is register noise: charge nothing and keep the higher baseline.
  const chargedWh = Math.max(0, deltaWh);
  const events: ReadingEvent[] = [];
  const stopped = stoppedState(track, reading, chargedWh, limits, events);
  return {
    verdict: {
      kind: "charge",
      deltaWh: chargedWh,
      fromMs: track.wallMs,
      toMs: Math.max(track.wallMs, reading.wallMs),
    },
    track: {
      energyWh: track.energyWh + chargedWh,
      wallMs: Math.max(track.wallMs, reading.wallMs),
      monoMs: reading.monoMs,
      lastClock: { wallMs: reading.wallMs, monoMs: reading.monoMs, run: reading.run },
      lastAdvanceMonoMs: chargedWh > 0 ? reading.monoMs : track.lastAdvanceMonoMs,
      stopped,
      holds: 0,
    },
    events,
  };
}

/**
 * The wall clock is not set (1970 after a boot without RTC): the reading is held, and reported once, not
 * on every poll. The track stays as it was, so its last sample with a set wall clock remains the
 * reference: once NTP sets the clock the reading is judged against it, across a restart by the wall
 * time that really passed (energy used meanwhile is then plausible, not a jump held for a command).
 */
function unsetClock(track: MeterTrack): ReadingAssessment {
  return {
    verdict: { kind: "hold", reason: "wall-implausible" },
    track: { ...track, clockUnset: true },
    events:
      track.clockUnset === true ? [] : [{ kind: "clock-anomaly", anomaly: "wall-implausible", skewMs: 0 }],
  };
}

function fresh(reading: MeterReading): MeterTrack {
  return {
    energyWh: reading.energyWh,
    wallMs: reading.wallMs,
    monoMs: reading.monoMs,
    lastClock: { wallMs: reading.wallMs, monoMs: reading.monoMs, run: reading.run },
    lastAdvanceMonoMs: reading.monoMs,
    stopped: false,
    holds: 0,
  };
}

/**
 * Keeps the energy baseline through a clock anomaly but re-expresses its time in the new frame, so the
 * next consistent reading charges the whole delta over the right interval instead of holding forever.
 */
function reframe(track: MeterTrack, reading: MeterReading, anomaly: ClockAnomaly): MeterTrack {
  switch (anomaly) {
    case "wall-jump":
    case "wall-backwards":
      // Monotonic time is trusted: the baseline was (mono now - mono then) before this reading.
      return { ...track, wallMs: reading.wallMs - (reading.monoMs - track.monoMs) };
    case "monotonic-reset": {
      // The process restarted: only the wall clock spans the gap; never a negative one.
      const shift = reading.monoMs - Math.max(0, reading.wallMs - track.wallMs) - track.monoMs;
      return { ...track, monoMs: track.monoMs + shift, lastAdvanceMonoMs: track.lastAdvanceMonoMs + shift };
    }
    case "wall-implausible":
      // The wall clock is not set yet: keep the old frame; the jump when it is set is handled above.
      return track;
  }
}

function rebase(
  track: MeterTrack,
  reading: MeterReading,
  reason: "decrease" | "persistent-jump",
): ReadingAssessment {
  const event: ReadingEvent = {
    kind: "energy-rebased",
    reason,
    fromWh: track.energyWh,
    toWh: reading.energyWh,
  };
  return {
    verdict: { kind: "rebase", reason, fromWh: track.energyWh, toWh: reading.energyWh },
    track: { ...fresh(reading), stopped: track.stopped },
    events: [event],
  };
}

/** Raises "stopped" once when the register stands still while power is drawn, and clears it when it moves. */
function stoppedState(
  track: MeterTrack,
  reading: MeterReading,
  chargedWh: number,
  limits: ReadingLimits,
  events: ReadingEvent[],
): boolean {
  const powerW =
    reading.powerW ??
    (reading.currentA === undefined ? undefined : reading.currentA * limits.nominalVoltageV);
  if (chargedWh > 0) {
    if (track.stopped) events.push({ kind: "meter-stopped", state: "recovered", powerW: powerW ?? 0 });
    return false;
  }
  if (track.stopped || powerW === undefined || powerW < limits.stoppedMinPowerW) return track.stopped;
  const expectedWh = (powerW * (reading.monoMs - track.lastAdvanceMonoMs)) / 3_600_000;
  if (expectedWh < limits.stoppedEnergyWh) return false;
  events.push({ kind: "meter-stopped", state: "happened", powerW });
  return true;
}
