/**
 * The times of a meter's plausibility track (anomaly.ts) as they come back from storage: made whole and
 * moved into the current run's monotonic frame before a reading is judged against them.
 */
import type { MeterTrack } from "./meter-track.ts";
import { monotonicShift, type ClockSample } from "./clock-check.ts";

/**
 * A track stored by versions before issue 10 could hold fractional ms (a wall-jump reframe of
 * performance.now() times), which the tariff refused on every later charge: floor them, so such a
 * track bills again instead of failing every batch for good.
 */
export function wholeTrack(track: MeterTrack): MeterTrack {
  if (
    [
      track.wallMs,
      track.monoMs,
      track.lastAdvanceMonoMs,
      track.lastClock.wallMs,
      track.lastClock.monoMs,
    ].every(Number.isSafeInteger)
  )
    return track;
  return {
    ...track,
    wallMs: Math.floor(track.wallMs),
    monoMs: Math.floor(track.monoMs),
    lastAdvanceMonoMs: Math.floor(track.lastAdvanceMonoMs),
    lastClock: {
      ...track.lastClock,
      wallMs: Math.floor(track.lastClock.wallMs),
      monoMs: Math.floor(track.lastClock.monoMs),
    },
  };
}

/**
 * The track in the monotonic frame of `clock`'s run: a restart is expected, not an anomaly, so the
 * baseline's monotonic times move to the new run's clock as if as much time passed as the wall clock
 * says (clock-check.ts, monotonicShift); the energy baseline and its wall time stay.
 */
export function inRunOf(track: MeterTrack, clock: ClockSample): MeterTrack {
  if (track.lastClock.run === clock.run) return track;
  const shift = monotonicShift(track.lastClock, clock);
  return {
    ...track,
    monoMs: track.monoMs + shift,
    lastAdvanceMonoMs: track.lastAdvanceMonoMs + shift,
    lastClock: { wallMs: track.lastClock.wallMs, monoMs: track.lastClock.monoMs + shift, run: clock.run },
  };
}
