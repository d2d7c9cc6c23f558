/**
 * One way to bound a step whose completion depends on the outside world (a socket closing, a library
 * callback, a request on the wire): nothing waits for a callback that may never come.
 */
import type { Clock } from "./clock.ts";

/**
 * Settles like `step`, or rejects with `onTimeout()` once `ms` of `timers`' time passed, whichever comes
 * first. A late outcome of `step` is ignored. `onTimeout` may also clean up (destroy a socket).
 * @param timers the clock whose time bounds the step: the injected Clock, or real time for real I/O
 * @param ms 0.. the bound, in `timers`' milliseconds
 */
export function withDeadline<T>(
  timers: Pick<Clock, "setTimeout" | "clearTimeout">,
  step: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = timers.setTimeout(() => reject(onTimeout()), ms);
    step.then(
      (value) => {
        timers.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        timers.clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
