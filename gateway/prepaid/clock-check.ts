/**
 * Clock sanity between two inputs. A Raspberry Pi without an RTC boots with a stale wall clock and jumps
 * when NTP syncs (DOMAIN.md section 7); monotonic time does not jump. Between two inputs both clocks should
 * advance alike: when they disagree, the wall clock moved, and nothing is charged or cut on that input.
 */

/** Wall and monotonic time of one input, whole ms. */
export interface ClockSample {
  /** Epoch ms (may jump). */
  readonly wallMs: number;
  /** Monotonic ms (arbitrary origin; restarts with the process). */
  readonly monoMs: number;
  /**
   * The process run whose monotonic clock gave `monoMs`. Monotonic time restarts with the process, so
   * samples of different runs are compared by wall time alone (see {@link monotonicShift}). Undefined
   * means one run throughout; a sample stored without it (older versions) counts as another run.
   */
  readonly run?: string | undefined;
}

/**
 * - `wall-backwards`: the wall clock advanced less than monotonic time by more than the tolerance.
 * - `wall-jump`: it advanced more, by more than the tolerance.
 * - `monotonic-reset`: monotonic time went backwards within one run (a restart is not one: see `run`).
 * - `wall-implausible`: the wall clock reads before {@link MIN_PLAUSIBLE_WALL_MS} (not set since boot).
 */
export type ClockAnomaly = "wall-backwards" | "wall-jump" | "monotonic-reset" | "wall-implausible";

/** Result of {@link checkClock}. */
export type ClockCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly anomaly: ClockAnomaly;
      /** Wall advance minus monotonic advance since the previous sample, ms (0 when not comparable). */
      readonly skewMs: number;
    };

/** 2025-01-01T00:00:00Z: no wall clock of a running gateway legitimately reads earlier. */
export const MIN_PLAUSIBLE_WALL_MS = Date.UTC(2025, 0, 1);

/**
 * Compares `current` with `previous` (undefined for the first input: nothing to compare).
 * @param toleranceMs >= 0, the disagreement allowed (NTP slewing, scheduling jitter)
 */
export function checkClock(
  previous: ClockSample | undefined,
  current: ClockSample,
  toleranceMs: number,
  minPlausibleWallMs: number = MIN_PLAUSIBLE_WALL_MS,
): ClockCheck {
  if (current.wallMs < minPlausibleWallMs) return { ok: false, anomaly: "wall-implausible", skewMs: 0 };
  if (previous === undefined) return { ok: true };
  const previousMonoMs = previous.monoMs + monotonicShift(previous, current);
  if (current.monoMs < previousMonoMs) return { ok: false, anomaly: "monotonic-reset", skewMs: 0 };
  const skewMs = current.wallMs - previous.wallMs - (current.monoMs - previousMonoMs);
  if (skewMs < -toleranceMs) return { ok: false, anomaly: "wall-backwards", skewMs };
  if (skewMs > toleranceMs) return { ok: false, anomaly: "wall-jump", skewMs };
  return { ok: true };
}

/**
 * What to add to the monotonic times of `previous`'s run to express them in `current`'s: 0 within one
 * run. Across a restart the old monotonic clock is gone and only the wall clock spans the gap, so the gap
 * is taken to be the wall clock's advance, never less than 0. A wall clock that went backwards over the
 * restart then shows as `wall-backwards` in {@link checkClock}, honestly; one that went forward cannot be
 * told from downtime, and is not an anomaly. Whole ms in, whole ms out.
 */
export function monotonicShift(previous: ClockSample, current: ClockSample): number {
  if (previous.run === current.run) return 0;
  return current.monoMs - Math.max(0, current.wallMs - previous.wallMs) - previous.monoMs;
}
