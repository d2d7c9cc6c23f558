/**
 * Reconnect delays: exponential with "equal jitter" (AWS architecture blog, "Exponential Backoff And
 * Jitter"), so a fleet of gateways that lost the broker together does not reconnect in lockstep, while
 * each still waits at least half the current step.
 */

/** Bounds of the delay, ms. */
export interface BackoffBounds {
  /** Step of the first attempt: > 0. */
  readonly minMs: number;
  /** Largest step: >= minMs. */
  readonly maxMs: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first after a loss): with
 * step = min(maxMs, minMs * 2^attempt), uniform in [step / 2, step].
 * @param random a uniform number in [0, 1), injected for tests
 */
export function backoffDelayMs(attempt: number, bounds: BackoffBounds, random: () => number): number {
  const step = Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.min(Math.max(0, attempt), 30));
  return Math.round(step / 2 + (random() * step) / 2);
}
