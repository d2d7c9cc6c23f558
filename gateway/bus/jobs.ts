/** What a bus scheduler runs: a job, its priority, and where its outcome goes. */
import type { MeterCounters } from "./counters.ts";
import type { BusLink } from "./link.ts";
import type { Transactor } from "./transactions.ts";

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
