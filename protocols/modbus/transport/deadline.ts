/**
 * Bounds a step whose completion depends on the outside world (a device opening, a library callback):
 * nothing in a transport waits for a callback that may never come. These are real-time timers on
 * purpose: they bound real I/O, which the injected Clock cannot speed up or stop.
 */
import type { GatewayError } from "../../../core/errors.ts";

/**
 * Resolves or rejects like `step`, or rejects with `onTimeout()` after `ms` milliseconds, whichever
 * comes first. `onTimeout` also cleans up (destroys the socket, drops the port).
 */
export function withDeadline<T>(step: Promise<T>, ms: number, onTimeout: () => GatewayError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    step.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
