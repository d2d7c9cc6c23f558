/**
 * What a job sees of its bus (the Transactor) and the shapes of what it hands it: an exchange, in its
 * promise and its callback form, and where a callback's outcome goes.
 */
import type { BusLink } from "./link.ts";

/** One request/reply exchange on a bus's link, with the reply timeout it must keep. */
export type Exchange<Link, R> = (link: Link, timeoutMs: number) => Promise<R>;

/**
 * Where an outcome goes when it is not a promise: a transaction's, a job's. One of the two is called
 * once, as a method, and neither may throw: it may be called from a socket's read.
 */
export interface Outcome<T> {
  answered(value: T): void;
  failed(error: unknown): void;
}

/** Reports a promise's outcome to `outcome` (where a callback form falls back on a promise). */
export function reportTo<T>(promise: Promise<T>, outcome: Outcome<T>): void {
  promise.then(
    (value) => outcome.answered(value),
    (error: unknown) => outcome.failed(error),
  );
}

/**
 * An exchange in its callback form, reporting to `outcome` (ModbusTransport.readRegistersTo): a request
 * answered first time then makes no promise at all. The periodic poll uses it; its promises lived for
 * the 20 ms a poll's replies take and were most of what the garbage collector promoted (docs/bench.md).
 */
export type DirectExchange<Link, R> = (link: Link, timeoutMs: number, outcome: Outcome<R>) => void;

/** Rewrites a failed attempt's error (see Transactor.transact). */
export type Naming = (error: unknown) => unknown;

export interface Transactor<Link extends BusLink> {
  /**
   * Runs one request/reply exchange with the bus's gap, timeout and retry rules. `name`, when given,
   * rewrites a failed attempt's error before it is counted and reported (a driver naming its request:
   * metering/request-error.ts), without a wrapper promise around every exchange that succeeds.
   */
  transact<R>(exchange: Exchange<Link, R>, name?: Naming): Promise<R>;
  /**
   * {@link transact} with its outcome reported to `outcome`, its first attempt made through `direct`
   * where the bus may (no gap left to keep, a link that bounds its own requests); retries go the
   * general way, through `exchange`.
   */
  transactTo<R>(
    exchange: Exchange<Link, R>,
    direct: DirectExchange<Link, R>,
    outcome: Outcome<R>,
    name?: Naming,
  ): void;
  /** True once any transaction of this job needed a retry. */
  readonly retried: boolean;
  /** Attempts the last transaction took so far (1 when it was answered first time). */
  readonly attempts: number;
}
