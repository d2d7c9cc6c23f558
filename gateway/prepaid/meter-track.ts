/**
 * The per-meter plausibility track, its own module so both the judge (anomaly.ts) and the code that
 * reframes stored tracks (track-time.ts) can name it without importing each other.
 */
import type { ClockSample } from "./clock-check.ts";

/** What is remembered per meter between readings (persist it with the ledger). */
export interface MeterTrack {
  /** Baseline: the last charged register value and when (wall re-expressed after clock anomalies). */
  readonly energyWh: number;
  readonly wallMs: number;
  readonly monoMs: number;
  /** Clock of the last reading, whatever its verdict: the reference for the next clock check. All whole ms. */
  readonly lastClock: ClockSample;
  /** Monotonic ms when the register last advanced. */
  readonly lastAdvanceMonoMs: number;
  readonly stopped: boolean;
  /** Consecutive implausible readings. */
  readonly holds: number;
  /**
   * The wall clock is not set (see `unsetClock` in anomaly.ts); `lastClock` is then the last sample whose wall
   * clock was. Absent otherwise.
   */
  readonly clockUnset?: true | undefined;
}
