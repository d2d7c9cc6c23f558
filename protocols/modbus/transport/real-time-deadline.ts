/**
 * Deadlines of a transport's steps (a device opening, a socket closing). They run on real time on
 * purpose: they bound real I/O, which the injected Clock cannot speed up or stop.
 */
import { SystemClock } from "../../../core/clock.ts";
import { withDeadline as deadlineOn } from "../../../core/deadline.ts";
import type { GatewayError } from "../../../core/errors.ts";

const realTime = new SystemClock();

/** Like `step`, or rejects with `onTimeout()` after `ms` real milliseconds (see core/deadline.ts). */
export function withDeadline<T>(step: Promise<T>, ms: number, onTimeout: () => GatewayError): Promise<T> {
  return deadlineOn(realTime, step, ms, onTimeout);
}
