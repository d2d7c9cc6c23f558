/** A deadline for promises that wait on the network (shutdown must not hang on a dead socket). */
import type { Clock } from "../../core/clock.ts";

/** Rejects when `promise` takes longer than `ms`: shutdown must not hang on a dead socket. */
export function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
