/**
 * The transactions of one bus: the gap, the reply timeout with its guard, retries, the counters, and
 * what the link supervisor hears of each outcome. The scheduler runs up to `maxInFlight` jobs at once
 * (1 on every serial line and RTU converter); their transactions share what this class keeps: the end
 * of the last transaction (for the gap), the time the link was busy, and when the link failed.
 */
import type { Clock } from "../../core/clock.ts";
import { withDeadline } from "../../core/deadline.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import { countError, isBusFailure, isTransient, type MeterCounters } from "./counters.ts";
import { JobTransactor, type JobTransactions } from "./job-transactor.ts";
import type { LinkSupervisor } from "./link-supervisor.ts";
import type { BusLink } from "./link.ts";
import { reportTo, type DirectExchange, type Exchange, type Naming, type Outcome } from "./transactor.ts";

export type { Exchange, Transactor } from "./transactor.ts";
export { JobTransactor } from "./job-transactor.ts";

export interface TransactionOptions {
  busId: string;
  clock: Clock;
  /** See BusSchedulerOptions.wireClock. */
  wireClock?: Pick<Clock, "setTimeout" | "clearTimeout">;
  /** Reply timeout per transaction, ms (1..30000). */
  timeoutMs: number;
  /** Silence kept between the end of one transaction and the next request, ms (0..10000). */
  interFrameGapMs: number;
}

/**
 * How long past its reply timeout a request may take to settle, ms. Later than the transport's own
 * guard (modbus-serial.ts: timeout + 250 ms), so the transport's more precise error wins whenever the
 * transport works at all.
 */
const stuckSlackMs = 500;

export class BusTransactions<Link extends BusLink> implements JobTransactions<Link> {
  /** Set by the scheduler's stop(): no further request starts. */
  stopped = false;
  /** Monotonic ms the link had at least one transaction in flight. */
  busyMs = 0;
  private lastEndMono = -Infinity;
  private inFlight = 0;
  private busySinceMono = 0;
  /** Tickets of the jobs started so far, in order. */
  private lastTicket = 0;
  /** The last ticket handed out when the link last failed: those jobs were running when it did. */
  private downAtTicket = 0;

  constructor(
    private readonly link: Link,
    private readonly supervisor: LinkSupervisor,
    private readonly options: TransactionOptions,
  ) {}

  /** A transactor for one job after another (see JobTransactor.begin): a scheduler lane's own. */
  transactor(): JobTransactor<Link> {
    return new JobTransactor(this);
  }

  /** The place in the order jobs start of a job that starts now (see {@link failed}). */
  nextTicket(): number {
    return ++this.lastTicket;
  }

  /**
   * One transaction of `tx`'s job. The usual case (no gap left to wait, a link that bounds its own
   * requests) is one `then` on the exchange: this runs for every request of every poll, and an async
   * frame per transaction was a good part of the poll path's garbage (docs/bench.md). A failed first
   * attempt, a gap to keep or a link the bus must guard go the general way ({@link attempts}).
   */
  transact<R>(tx: JobTransactor<Link>, exchange: Exchange<Link, R>, name?: Naming): Promise<R> {
    if (!this.firstAttemptStarted(tx, exchange, name)) return this.attempts(tx, exchange, name, 0);
    const firstFailed = tx.firstFailed as (error: unknown) => Promise<R>;
    try {
      return exchange(this.link, this.options.timeoutMs).then(tx.answered as (value: R) => R, firstFailed);
    } catch (error) {
      return firstFailed(error);
    }
  }

  /**
   * {@link transact} reporting to `outcome`, its first attempt through `direct` where the usual case
   * applies: a request answered first time makes no promise (Transactor.transactTo).
   */
  transactTo<R>(
    tx: JobTransactor<Link>,
    exchange: Exchange<Link, R>,
    direct: DirectExchange<Link, R>,
    outcome: Outcome<R>,
    name?: Naming,
  ): void {
    if (!this.firstAttemptStarted(tx, exchange, name)) {
      reportTo(this.attempts(tx, exchange, name, 0), outcome);
      return;
    }
    tx.outcome = outcome;
    try {
      direct(this.link, this.options.timeoutMs, tx.direct);
    } catch (error) {
      // A turn later, as a failed request always is: the caller is still in the middle of its step.
      queueMicrotask(() => tx.direct.failed(error));
    }
  }

  /**
   * Starts the first attempt of a transaction the usual way, when it may be (no gap left to wait, a
   * link that bounds its own requests): false when it must go the general way ({@link attempts}).
   */
  private firstAttemptStarted(tx: JobTransactor<Link>, exchange: Exchange<never, unknown>, name?: Naming) {
    if (this.stopped || this.gapLeft() > 0 || this.link.boundsRequests !== true) return false;
    tx.attempts = 1;
    this.started();
    tx.exchange = exchange;
    tx.naming = name;
    return true;
  }

  /** An answered attempt of `counters`' meter: the link works. */
  answered(counters: MeterCounters): void {
    this.supervisor.replied();
    counters.ok += 1;
    counters.lastSeenMs = this.options.clock.now();
  }

  /** The first attempt (made by {@link transact}) failed with `error`: count it, then retry or give up. */
  async retryAfter<R>(
    tx: JobTransactor<Link>,
    exchange: Exchange<Link, R>,
    name: Naming | undefined,
    error: unknown,
  ): Promise<R> {
    try {
      await this.failedAttempt(tx, error, 0);
    } finally {
      this.ended();
    }
    return this.attempts(tx, exchange, name, 1);
  }

  /** Attempt `attempt` (0-based) of `tx` failed: counted and reported; throws unless it may try again. */
  private async failedAttempt(tx: JobTransactor<Link>, error: unknown, attempt: number): Promise<void> {
    const failure = await this.attemptFailed(error, tx.ticket, tx.counters);
    if (failure.linkFailed || !isTransient(failure.error) || attempt >= tx.retries) throw failure.error;
    tx.retried = true;
  }

  /** Attempts from `first` (0-based) on, each after the gap, until one is answered or the retries run out. */
  private async attempts<R>(
    tx: JobTransactor<Link>,
    exchange: Exchange<Link, R>,
    name: Naming | undefined,
    first: number,
  ): Promise<R> {
    const named: Exchange<Link, R> =
      name === undefined
        ? exchange
        : (link, timeoutMs) =>
            exchange(link, timeoutMs).catch((error: unknown) => {
              throw name(error);
            });
    for (let attempt = first; ; attempt++) {
      tx.attempts = attempt + 1;
      const wait = this.gapLeft();
      if (wait > 0) await this.options.clock.sleep(wait);
      if (this.stopped) throw new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} stopped`);
      this.started();
      try {
        const value = await this.exchanged(named);
        this.answered(tx.counters);
        return value;
      } catch (error) {
        await this.failedAttempt(tx, error, attempt);
      } finally {
        this.ended();
      }
    }
  }

  /** Ms of the inter-frame gap still to keep before the next request (0 or less: none). */
  private gapLeft(): number {
    return this.lastEndMono + this.options.interFrameGapMs - this.options.clock.monotonicMs();
  }

  /**
   * The exchange's outcome. A link that settles every request within its reply timeout itself (see
   * BusLink.boundsRequests) is awaited as it is; any other is bounded here too (see {@link bounded}).
   */
  private exchanged<R>(exchange: Exchange<Link, R>): Promise<R> {
    const request = exchange(this.link, this.options.timeoutMs);
    return this.link.boundsRequests === true ? request : this.bounded(request, this.options.timeoutMs);
  }

  /** A transaction starts: the link is busy from now (bus utilisation). */
  private started(): void {
    if (this.inFlight++ === 0) this.busySinceMono = this.options.clock.monotonicMs();
  }

  /** A transaction ended (answered or failed): the gap counts from now. */
  ended(): void {
    const endMono = this.options.clock.monotonicMs();
    if (--this.inFlight === 0) this.busyMs += endMono - this.busySinceMono;
    this.lastEndMono = endMono;
  }

  /** A failed attempt counted and reported: its error, and whether the link failed with it. */
  private async attemptFailed(
    error: unknown,
    ticket: number,
    counters: MeterCounters,
  ): Promise<{ error: GatewayError; linkFailed: boolean }> {
    const raw = isGatewayError(error)
      ? error
      : new GatewayError(ErrorCode.Internal, String(error), {}, { cause: error });
    const e = await this.failed(raw, ticket);
    countError(counters, e, this.options.clock.now());
    return { error: e, linkFailed: isBusFailure(e) || ticket <= this.downAtTicket };
  }

  /**
   * What the supervisor makes of a failed request. A request of a job that was running when the link
   * failed (another request's failure took it down) failed with that link: the supervisor already
   * knows, and hearing it again would count one outage twice and double its reopen delay. With one
   * transaction at a time that never happens: the job whose request failed the link ends with it.
   */
  private async failed(error: GatewayError, ticket: number): Promise<GatewayError> {
    if (ticket <= this.downAtTicket) return error;
    const failuresBefore = this.supervisor.linkFailures;
    const reported = this.supervisor.requestFailed(error);
    // The supervisor counts the failure before it closes the link (which fails the other requests).
    if (this.supervisor.linkFailures !== failuresBefore) this.downAtTicket = this.lastTicket;
    return reported;
  }

  /**
   * Settles like `request`, or rejects with TIMEOUT once `timeoutMs` plus {@link stuckSlackMs} of the
   * clock passed: a transport is meant to enforce the reply timeout itself, but the bus must not stop
   * for good on the one request whose callback never comes (a library bug, a lost port). A late
   * outcome of the abandoned request is ignored.
   */
  private bounded<R>(request: Promise<R>, timeoutMs: number): Promise<R> {
    const { busId } = this.options;
    const clock = this.options.wireClock ?? this.options.clock;
    const limitMs = timeoutMs + stuckSlackMs;
    return withDeadline(
      clock,
      request,
      limitMs,
      () =>
        new GatewayError(
          ErrorCode.Timeout,
          `${this.link.description}: the request did not settle within ${limitMs} ms; given up`,
          { busId, limitMs },
        ),
    );
  }
}
