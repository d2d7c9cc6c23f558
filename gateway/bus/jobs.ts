/** What a bus scheduler runs: a job, its priority, and where its outcome goes. */
import type { MeterCounters } from "./counters.ts";
import type { BusLink } from "./link.ts";
import type { Outcome, Transactor } from "./transactor.ts";

/**
 * Which queue a job waits in; the scheduler always takes the first non-empty one in this order:
 * `relay` (a relay write and its read-back: a cut or restore must not wait behind a sweep), `read` (a
 * read someone is waiting for: a `meter.read` command, a technician), `poll` (the periodic sweep),
 * `display` (a prepayment terminal's display write or keypad read: it runs only when no meter job
 * waits, so a terminal never delays a poll by more than the one transaction in hand).
 */
export type JobPriority = "relay" | "read" | "poll" | "display";

export interface BusJob<Link extends BusLink, T> {
  meterId: string;
  priority: JobPriority;
  /** Retries per transaction for this job; 0 for a probe of a backed-off meter. */
  retries: number;
  /** The meter's counters (BusScheduler.countersFor), when the job's maker keeps them: a lookup less. */
  counters?: MeterCounters;
  run(tx: Transactor<Link>): Promise<T>;
  /**
   * The job reporting to `outcome` instead of returning a promise, run instead of `run` where given
   * (a periodic poll: MeterDriver.pollTo). It may report in the same turn; the scheduler then takes it
   * a turn later, as it would a promise's.
   */
  runTo?(tx: Transactor<Link>, outcome: Outcome<T>): void;
  /**
   * Called with the job's transactor and value once `run` resolved, before the job's outcome
   * settles: what the job adds from its transactions (a poll's `retried` flag), without an async
   * wrapper around `run`.
   */
  finish?(tx: Transactor<Link>, value: T): void;
}

/**
 * A job and where its outcome goes, as {@link BusScheduler.submit} takes it. The callbacks are called
 * once per submission, from the scheduler's lane, and must not throw.
 */
export interface JobEntry<Link extends BusLink, T> {
  job: BusJob<Link, T>;
  resolve(this: void, value: T): void;
  reject(this: void, error: unknown): void;
}

/** Read and poll jobs that may go ahead of a waiting display job before it gets its turn. */
const displayEvery = 8;

/** The waiting jobs of a bus, one queue per priority, taken in this order (see {@link take}). */
export class JobQueues<Entry extends { job: { priority: JobPriority } }> {
  private readonly queues: Record<JobPriority, Entry[]> = { relay: [], read: [], poll: [], display: [] };
  /** Read and poll jobs taken while a display job waited (see take). */
  private passedDisplay = 0;

  /** Jobs waiting, by priority. */
  get counts(): Record<JobPriority, number> {
    const { relay, read, poll, display } = this.queues;
    return { relay: relay.length, read: read.length, poll: poll.length, display: display.length };
  }

  /** Jobs waiting in all queues. */
  get size(): number {
    const q = this.queues;
    return q.relay.length + q.read.length + q.poll.length + q.display.length;
  }

  push(entry: Entry): void {
    this.queues[entry.job.priority].push(entry);
  }

  /** Every waiting job, in the order they would be taken. */
  all(): Entry[] {
    const { relay, read, poll, display } = this.queues;
    return [...relay, ...read, ...poll, ...display];
  }

  /** Takes every waiting job out. */
  drain(): Entry[] {
    const all = this.all();
    for (const queue of Object.values(this.queues)) queue.length = 0;
    return all;
  }

  /**
   * The next job by priority. A waiting `display` job goes ahead of reads and polls once
   * {@link displayEvery} of them have gone ahead of it: on a bus whose polls never leave it idle a
   * terminal still gets one transaction in that many, and a poll waits at most one terminal transaction.
   */
  take(): Entry | undefined {
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
}

/** Callers waiting until each job of a set they took has settled (BusScheduler.settled and stop). */
export class SettleWaiters<Job> {
  private waiters: Array<{ pending: Set<Job>; resolve: () => void }> = [];

  /** Resolves once every job of `pending` was passed to {@link settled}; never rejects. */
  wait(pending: Set<Job>): Promise<void> {
    if (pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pending, resolve }));
  }

  /** `job` settled. */
  settled(job: Job): void {
    if (this.waiters.length === 0) return;
    for (const waiter of this.waiters) {
      waiter.pending.delete(job);
      if (waiter.pending.size === 0) waiter.resolve();
    }
    this.waiters = this.waiters.filter((waiter) => waiter.pending.size > 0);
  }
}
