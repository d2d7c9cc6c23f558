/**
 * Drives a ManualClock from a unit test without real timers: the clock jumps from one due timer to the
 * next, and the promise chains each timer started settle (microtasks only) before the next jump, so
 * what a timer starts happens at the timer's own time and a timer armed after an `await` is in place
 * before the clock passes it.
 */
import type { ManualClock } from "../../../core/clock.ts";

/** Microtask turns per settle: deeper than any await chain in the bus layer (about 20 hops). */
const settleTurns = 200;

/** Timers fired per {@link advance} at most: a timer that re-arms itself at 0 ms would never end. */
const maxFirings = 100_000;

/** Runs the pending promise callbacks (microtasks only: no timers, no I/O). */
export async function settle(): Promise<void> {
  for (let i = 0; i < settleTurns; i++) await Promise.resolve();
}

/** Moves `clock` forward by `ms` (>= 0), firing each timer at its due time and settling after it. */
export async function advance(clock: ManualClock, ms: number): Promise<void> {
  const targetMono = clock.monotonicMs() + ms;
  await settle();
  for (let fired = 0; fired < maxFirings; fired++) {
    const next = clock.msToNextTimer();
    const remaining = targetMono - clock.monotonicMs();
    if (next === undefined || next > remaining) {
      clock.advance(remaining);
      await settle();
      return;
    }
    clock.advance(next);
    await settle();
  }
  throw new Error(`more than ${maxFirings} timers fired within ${ms} ms: a timer loop?`);
}
