/**
 * One scheduler per bus (DOMAIN.md section 6): one transaction at a time by default, a gap between
 * transactions, a timeout and retries per transaction, relay operations first, then on-demand reads, then
 * polls. A Modbus TCP bus whose device queues requests may run up to `maxInFlight` jobs at once (each
 * still one transaction at a time), so requests to the units behind one TCP gateway overlap.
 * Protocol-neutral: a job gets a transactor over whatever link the bus has (Modbus, DL/T 645).
 */
import type { Clock } from "../../core/clock.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import { countError, newCounters, type BusCounters, type MeterCounters } from "./counters.ts";
import { LinkSupervisor } from "./link-supervisor.ts";
import type { BusLink } from "./link.ts";
import { BusTransactions, type JobTransactor, type Transactor } from "./transactions.ts";
import type { Outcome } from "./transactor.ts";
import { JobQueues, SettleWaiters, type BusJob, type JobEntry, type JobPriority } from "./jobs.ts";

export type { BusLink } from "./link.ts";
export type { Transactor } from "./transactions.ts";
export type { BusJob, JobEntry, JobPriority } from "./jobs.ts";

export interface BusSchedulerOptions {
  busId: string;
  clock: Clock;
  /**
   * Clock of the wire: the transport's reply timeout is real time, so the bound on a request that never
   * settles must run on the same time. Default `clock`; the demo and accelerated tests, whose `clock`
   * runs faster than the wire, pass a SystemClock.
   */
  wireClock?: Pick<Clock, "setTimeout" | "clearTimeout">;
  /** Reply timeout per transaction, ms (1..30000). */
  timeoutMs: number;
  /** Silence kept between the end of one transaction and the next request, ms (0..10000). */
  interFrameGapMs: number;
  /**
   * Jobs run at once, each one transaction at a time (1..64), default 1. Above 1 only on a link that
   * keeps several requests in flight and matches their replies (Modbus TCP, by transaction id).
   */
  maxInFlight?: number;
  /** Delay before reopening a link that failed, ms (10..60000); doubles up to reopenMaxMs. Default 1000. */
  reopenDelayMs?: number;
  /** Longest delay between reopen attempts, ms. Default 30000. */
  reopenMaxMs?: number;
  /** How long stop() lets the job in hand finish before closing the link under it, ms (0..30000). Default 1000. */
  stopGraceMs?: number;
  /** Requests in a row without a byte back before a TCP connection is dropped as silent; 0 never. */
  silentAfterTimeouts?: number;
  onBusState?: (state: "up" | "down", error?: GatewayError) => void;
}

type Queued = JobEntry<BusLink, unknown>;

/**
 * A lane: runs one job at a time, one after another; made once and kept (see BusScheduler.pump). It is
 * the outcome of the job in hand, with handlers made once per lane: they run for every job.
 */
interface Lane<Link extends BusLink> extends Outcome<unknown> {
  /** The job in hand; undefined while the lane is idle. */
  entry: Queued | undefined;
  /** The job in hand is being started: an outcome now is taken a turn later (see BusJob.runTo). */
  starting: boolean;
  readonly tx: Pick<JobTransactor<Link>, "begin" | keyof Transactor<Link>>;
  readonly answered: (value: unknown) => void;
  readonly failed: (error: unknown) => void;
}

export class BusScheduler<Link extends BusLink> {
  private readonly queues = new JobQueues<Queued>();
  private readonly counters = new Map<string, MeterCounters>();
  /** Every lane made so far (at most maxInFlight), busy or idle. */
  private readonly lanes: Array<Lane<Link>> = [];
  private readonly idleLanes: Array<Lane<Link>> = [];
  private stopped = false;
  /** Callers of settled() and stop() waiting for jobs. */
  private readonly waiters = new SettleWaiters<Queued>();
  private readonly supervisor: LinkSupervisor;
  private readonly transactions: BusTransactions<Link>;

  constructor(
    private readonly link: Link,
    private readonly options: BusSchedulerOptions,
  ) {
    this.supervisor = new LinkSupervisor(link, options);
    this.transactions = new BusTransactions(link, this.supervisor, options);
  }

  /** Monotonic ms the link had a transaction in flight, for bus utilisation. */
  get busyMs(): number {
    return this.transactions.busyMs;
  }

  /** Replies the link dropped because no request waited for them (see BusLink.unmatchedReplies). */
  get unmatchedReplies(): number {
    return this.link.unmatchedReplies ?? 0;
  }

  /** The link's own state and failures (not any one meter's). */
  get busCounters(): Readonly<BusCounters> {
    return this.supervisor.counters;
  }

  /** Calls `listener` each time the link opens again after a failure. */
  onReopen(listener: () => void): void {
    this.supervisor.onReopen(listener);
  }

  /** Counters of a meter (created on first use). */
  countersFor(meterId: string): MeterCounters {
    let c = this.counters.get(meterId);
    if (c === undefined) {
      c = newCounters();
      this.counters.set(meterId, c);
    }
    return c;
  }

  /** Jobs waiting, by priority. */
  get queued(): Record<JobPriority, number> {
    return this.queues.counts;
  }

  /** Queues `job`; settles with its outcome. */
  enqueue<T>(job: BusJob<Link, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => this.submit({ job, resolve, reject }));
  }

  /**
   * Queues `entry`'s job; its outcome goes to the entry's callbacks, a turn later when the bus is
   * stopped. An entry may be submitted again once it settled: a poller's periodic poll is one entry
   * made once per meter, not a promise, its callbacks and a queue entry per poll (they live as long as
   * the poll, and every poll's were a good part of what the collector promoted: docs/bench.md).
   */
  submit<T>(entry: JobEntry<Link, T>): void {
    if (this.stopped) {
      const stopped = new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} is stopped`);
      queueMicrotask(() => entry.reject(stopped));
      return;
    }
    this.queues.push(entry);
    this.pump();
  }

  /**
   * Resolves once every job queued or running at the time of the call has settled (jobs queued later
   * are not waited for); never rejects.
   */
  settled(): Promise<void> {
    return this.waiters.wait(new Set([...this.running(), ...this.queues.all()]));
  }

  /** The jobs the lanes have in hand. */
  private running(): Queued[] {
    return this.lanes.flatMap((lane) => (lane.entry === undefined ? [] : [lane.entry]));
  }

  /** `q` settled (`failed`: with `outcome` as its error): its callback, and its waiters told. */
  private settle(q: Queued, failed: boolean, outcome: unknown): void {
    this.waiters.settled(q);
    if (failed) q.reject(outcome);
    else q.resolve(outcome);
  }

  /**
   * Rejects queued jobs, gives the jobs in hand up to `stopGraceMs` to finish their current request
   * (no further request starts), then closes the link, which fails a request still waiting: a stop
   * never waits for a long reply timeout or a peer that does not answer.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.transactions.stopped = true;
    const stoppedError = new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} stopped`);
    for (const q of this.queues.drain()) this.settle(q, true, stoppedError);
    const running = this.running();
    if (running.length > 0) {
      const grace = new Promise<void>((resolve) => {
        const timer = this.options.clock.setTimeout(resolve, this.options.stopGraceMs ?? 1000);
        void this.waiters.wait(new Set(running)).then(() => {
          this.options.clock.clearTimeout(timer);
          resolve();
        });
      });
      await grace;
    }
    await this.supervisor.stop();
  }

  /**
   * Sets idle lanes to work while there is queued work and room for it. Lanes are made once and kept,
   * with their transactor and handlers: not an async frame, promise and transactor per job.
   */
  private pump(): void {
    const maxInFlight = this.options.maxInFlight ?? 1;
    while (this.lanes.length - this.idleLanes.length < maxInFlight && this.queues.size > 0 && !this.stopped)
      this.next(this.idleLanes.pop() ?? this.newLane());
  }

  private newLane(): Lane<Link> {
    const outcome = (failed: boolean, value: unknown) => {
      if (lane.starting) queueMicrotask(() => this.ended(lane, failed, value));
      else this.ended(lane, failed, value);
    };
    const lane: Lane<Link> = {
      entry: undefined,
      starting: false,
      tx: this.transactions.transactor(),
      answered: (value) => outcome(false, value),
      failed: (error) => outcome(true, error),
    };
    this.lanes.push(lane);
    return lane;
  }

  /** `lane` takes the next job by priority, or goes idle when none waits. */
  private next(lane: Lane<Link>): void {
    const entry = this.stopped ? undefined : this.queues.take();
    lane.entry = entry;
    if (entry === undefined) {
      // At once, not a turn later: a job queued after this lane saw the queues empty starts it again.
      this.idleLanes.push(lane);
      return;
    }
    // No promise per job while the link is up: this runs for every poll.
    if (this.link.isOpen) this.start(lane, entry);
    else
      this.supervisor.ensureOpen().then(
        () => this.start(lane, entry),
        // The bus is down: the meter's poll fails with the reason, counted against the meter too.
        (error: unknown) => this.ended(lane, true, this.linkDown(entry, error)),
      );
  }

  /** Runs the job of `entry` on `lane`. */
  private start(lane: Lane<Link>, entry: Queued): void {
    const job = entry.job;
    lane.tx.begin(job.retries, job.counters ?? this.countersFor(job.meterId));
    // An outcome while starting comes a turn later, as a rejection would: a lane never recurses
    // through a queue of such jobs.
    lane.starting = true;
    try {
      if (job.runTo !== undefined) job.runTo(lane.tx, lane);
      else job.run(lane.tx).then(lane.answered, lane.failed);
    } catch (error) {
      lane.failed(error);
    } finally {
      lane.starting = false;
    }
  }

  /** The job in hand on `lane` ended: it settles (after its `finish`), and the lane takes the next. */
  private ended(lane: Lane<Link>, failed: boolean, outcome: unknown): void {
    const entry = lane.entry!;
    if (!failed) {
      try {
        entry.job.finish?.(lane.tx, outcome);
      } catch (error) {
        failed = true;
        outcome = error;
      }
    }
    lane.entry = undefined;
    this.settle(entry, failed, outcome);
    this.next(lane);
  }

  /** A job that could not start because the link is down (or the bus stopped): counted; its error. */
  private linkDown(next: Queued, error: unknown): unknown {
    if (isGatewayError(error))
      countError(this.countersFor(next.job.meterId), error, this.options.clock.now());
    return error;
  }
}
