/**
 * Polling for external processes (a broker coming up, a device node appearing). Not for tariff or
 * schedule time: that goes through the injected Clock (STYLE.md principle 5).
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long, in ms. 1..600000, default 5000. */
  timeoutMs?: number;
  /** Pause between polls, in ms. 1..60000, default 50. */
  intervalMs?: number;
  /** Says what was awaited, for the timeout error ("broker on port 1883"). */
  description?: string;
}

/** `T` without the falsy values that mean "not yet". */
export type Truthy<T> = Exclude<T, false | 0 | "" | null | undefined>;

/**
 * Calls `predicate` until it returns a truthy value, and resolves with that value. A predicate that
 * throws counts as "not yet"; its last error becomes the `cause` of the timeout error.
 * The predicate is always tried at least once, and once more at the deadline.
 * @throws Error naming `description` and the timeout when the deadline passes.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Truthy<T>> {
  const { timeoutMs = 5000, intervalMs = 50, description = "condition" } = options;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const pastDeadline = performance.now() >= deadline;
    try {
      const value = await predicate();
      if (value) return value as Truthy<T>;
    } catch (error) {
      lastError = error;
    }
    if (pastDeadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`, { cause: lastError });
    }
    await sleep(Math.max(0, Math.min(intervalMs, deadline - performance.now())));
  }
}
