/**
 * Drives a ManualClock from a unit test without real timers: settle the promise chains a step started
 * (microtasks only), then move the clock, so a timer armed after an `await` is in place before the
 * clock passes it.
 */
import type { ManualClock } from "../../core/clock.ts";

/** Microtask turns per settle: deeper than any await chain in the bus layer (about 20 hops). */
const settleTurns = 200;

/** Runs the pending promise callbacks (microtasks only: no timers, no I/O). */
export async function settle(): Promise<void> {
  for (let i = 0; i < settleTurns; i++) await Promise.resolve();
}

/**
 * Moves `clock` forward by `ms` in steps of `stepMs` (1..ms), settling before and after each step,
 * so each timer fires at its own time and what it starts is scheduled before the next step.
 */
export async function advance(clock: ManualClock, ms: number, stepMs = 1): Promise<void> {
  await settle();
  for (let done = 0; done < ms;) {
    const step = Math.min(stepMs, ms - done);
    clock.advance(step);
    done += step;
    await settle();
  }
}
