/**
 * One scheduler per bus (DOMAIN.md section 6): one transaction at a time by default, a gap between
 * transactions, a timeout and retries per transaction, relay operations first, then on-demand reads, then
 * polls. A Modbus TCP bus
 * whose device queues requests may run up to `maxInFlight` jobs at once (each still one transaction at
 * a time), so requests to the units behind one TCP gateway overlap. Protocol-neutral: a job gets a
 * transactor over whatever link the bus has (Modbus today, DL/T 645 next).
 */
import type { Clock } from "../../core/clock.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import { countError, newCounters, type BusCounters, type MeterCounters } from "./counters.ts";
import { LinkSupervisor } from "./link-supervisor.ts";
import type { BusLink } from "./link.ts";
import { BusTransactions } from "./transactions.ts";

import type { BusJob, JobEntry, JobPriority } from "./jobs.ts";

export type { BusLink } from "./link.ts";
export type { Transactor } from "./transactions.ts";
export type { BusJob, JobEntry, JobPriority } from "./jobs.ts";

/** Read and poll jobs that may go ahead of a waiting display job before it gets its turn. */
const displayEvery = 8;

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

/** A caller of {@link BusScheduler.settled}: the jobs it still waits for. */
interface SettleWaiter {
  pending: Set<Queued>;
  resolve: () => void;
}

export class BusScheduler<Link extends BusLink> {
  /** Waiting jobs, one queue per priority, taken in this order. */
  private readonly queues: Record<JobPriority, Queued[]> = {
    relay: [],
    read: [],
    poll: [],
    display: [],
  };
  private readonly counters = new Map<string, MeterCounters>();
  /** Lanes draining the queues, at most maxInFlight; each runs one job at a time. */
  private activeLanes = 0;
  /** The lanes' runs; stop() waits for them, within a grace period. */
  private readonly lanes = new Set<Promise<void>>();
  /** Jobs taken from the queues and not settled yet. */
  private readonly running = new Set<Queued>();
  private stopped = false;
  /** Callers of settled() still waiting. */
  private settleWaiters: SettleWaiter[] = [];
  /** Read and poll jobs taken while a display job waited (see takeNext). */
  private passedDisplay = 0;
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
    const { relay, read, poll, display } = this.queues;
    return { relay: relay.length, read: read.length, poll: poll.length, display: display.length };
  }

  /** Jobs waiting in all queues. */
  private get waiting(): number {
    const { relay, read, poll, display } = this.queues;
    return relay.length + read.length + poll.length + display.length;
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
    this.queues[entry.job.priority].push(entry);
    this.pump();
  }

  /**
   * Resolves once every job queued or running at the time of the call has settled (jobs queued later
   * are not waited for); never rejects.
   */
  settled(): Promise<void> {
    const { relay, read, poll, display } = this.queues;
    const pending = new Set([...this.running, ...relay, ...read, ...poll, ...display]);
    if (pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push({ pending, resolve }));
  }

  /** `q` settled (`failed`: with `outcome` as its error): its callback, and the settled() callers told. */
  private settle(q: Queued, failed: boolean, outcome: unknown): void {
    this.running.delete(q);
    if (this.settleWaiters.length > 0) {
      for (const waiter of this.settleWaiters) {
        waiter.pending.delete(q);
        if (waiter.pending.size === 0) waiter.resolve();
      }
      this.settleWaiters = this.settleWaiters.filter((waiter) => waiter.pending.size > 0);
    }
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
    for (const queue of Object.values(this.queues))
      for (const q of queue.splice(0)) this.settle(q, true, stoppedError);
    if (this.lanes.size > 0) {
      const grace = new Promise<void>((resolve) => {
        const timer = this.options.clock.setTimeout(resolve, this.options.stopGraceMs ?? 1000);
        void Promise.all(this.lanes).finally(() => {
          this.options.clock.clearTimeout(timer);
          resolve();
        });
      });
      await grace;
    }
    await this.supervisor.stop();
  }

  /** Starts lanes while there is queued work and room for it. */
  private pump(): void {
    const maxInFlight = this.options.maxInFlight ?? 1;
    while (this.activeLanes < maxInFlight && this.waiting > 0 && !this.stopped) {
      this.activeLanes += 1;
      const lane = this.drain();
      this.lanes.add(lane);
      void lane.finally(() => this.lanes.delete(lane));
    }
  }

  /** One lane: takes one job after another, by priority, until the queues are empty. */
  private async drain(): Promise<void> {
    try {
      for (;;) {
        const next = this.takeNext();
        if (next === undefined || this.stopped) break;
        this.running.add(next);
        try {
          // Not an await per job while the link is up: this runs for every poll.
          if (this.stopped || !this.link.isOpen) await this.supervisor.ensureOpen();
        } catch (error) {
          // The bus is down: the meter's poll fails with the reason, counted against the meter too.
          this.linkDown(next, error);
          continue;
        }
        let failed = false;
        let outcome: unknown;
        try {
          const job = next.job;
          const tx = this.transactions.forJob(job.retries, this.countersFor(job.meterId));
          outcome = await job.run(tx);
          job.finish?.(tx, outcome);
        } catch (error) {
          failed = true;
          outcome = error;
        }
        this.settle(next, failed, outcome);
      }
    } finally {
      // At once, not a turn later: a job queued after this lane saw the queues empty starts a new one.
      this.activeLanes -= 1;
    }
  }

  /**
   * The next job by priority. A waiting `display` job goes ahead of reads and polls once
   * {@link displayEvery} of them have gone ahead of it: on a bus whose polls never leave it idle a
   * terminal still gets one transaction in that many, and a poll waits at most one terminal transaction.
   */
  private takeNext(): Queued | undefined {
    const { relay, read, poll, display } = this.queues;
    if (relay.length > 0) return relay.shift();
    if (display.length > 0 && this.passedDisplay >= displayEvery) {
      this.passedDisplay = 0;
      return display.shift();
    }
    const next = read.shift() ?? poll.shift();
    if (next === undefined) return display.shift();
    if (display.length > 0) this.passedDisplay += 1;
    return next;
  }

  /** A job that could not start because the link is down (or the bus stopped) fails with the reason. */
  private linkDown(next: Queued, error: unknown): void {
    if (isGatewayError(error))
      countError(this.countersFor(next.job.meterId), error, this.options.clock.now());
    this.settle(next, true, error);
  }
}
