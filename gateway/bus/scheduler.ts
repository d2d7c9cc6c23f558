/**
 * One scheduler per bus (DOMAIN.md section 6): one transaction at a time, a gap between transactions,
 * a timeout and retries per transaction, relay operations first, then on-demand reads, then polls. Protocol-neutral: a job gets a
 * transactor over whatever link the bus has (Modbus today, DL/T 645 next).
 */
import type { Clock } from "../../core/clock.ts";
import { withDeadline } from "../../core/deadline.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import {
  countError,
  isBusFailure,
  isTransient,
  newCounters,
  type BusCounters,
  type MeterCounters,
} from "./counters.ts";
import { LinkSupervisor } from "./link-supervisor.ts";
import type { BusLink } from "./link.ts";

export type { BusLink } from "./link.ts";

export interface Transactor<Link extends BusLink> {
  /** Runs one request/reply exchange with the bus's gap, timeout and retry rules. */
  transact<R>(exchange: (link: Link, timeoutMs: number) => Promise<R>): Promise<R>;
  /** True once any transaction of this job needed a retry. */
  readonly retried: boolean;
}

/**
 * Which queue a job waits in; the scheduler always takes the first non-empty one in this order:
 * `relay` (a relay write and its read-back: a cut or restore must not wait behind a sweep), `read` (a
 * read someone is waiting for: a `meter.read` command, a technician), `poll` (the periodic sweep).
 */
export type JobPriority = "relay" | "read" | "poll";

export interface BusJob<Link extends BusLink, T> {
  meterId: string;
  priority: JobPriority;
  /** Retries per transaction for this job; 0 for a probe of a backed-off meter. */
  retries: number;
  run(tx: Transactor<Link>): Promise<T>;
}

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

/**
 * How long past its reply timeout the scheduler waits for a request to settle, ms. Later than the
 * transport's own guard (modbus-serial.ts: timeout + 250 ms), so the transport's more precise error
 * wins whenever the transport works at all.
 */
const stuckSlackMs = 500;

interface Queued {
  job: BusJob<BusLink, unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class BusScheduler<Link extends BusLink> {
  /** Waiting jobs, one queue per priority, taken in this order. */
  private readonly queues: Record<JobPriority, Queued[]> = { relay: [], read: [], poll: [] };
  private readonly counters = new Map<string, MeterCounters>();
  private running = false;
  /** The pump's run while it drains the queues; stop() waits for it, within a grace period. */
  private pumping: Promise<void> | undefined;
  private stopped = false;
  private lastEndMono = -Infinity;
  private readonly supervisor: LinkSupervisor;
  /** Monotonic ms the link spent in transactions, for bus utilisation. */
  busyMs = 0;

  constructor(
    private readonly link: Link,
    private readonly options: BusSchedulerOptions,
  ) {
    this.supervisor = new LinkSupervisor(link, options);
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
    const { relay, read, poll } = this.queues;
    return { relay: relay.length, read: read.length, poll: poll.length };
  }

  enqueue<T>(job: BusJob<Link, T>): Promise<T> {
    if (this.stopped)
      return Promise.reject(new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} is stopped`));
    return new Promise<T>((resolve, reject) => {
      const entry: Queued = { job: job, resolve: resolve as (v: unknown) => void, reject };
      this.queues[job.priority].push(entry);
      void this.pump();
    });
  }

  /**
   * Rejects queued jobs, gives the one in hand up to `stopGraceMs` to finish its current request (no
   * further request starts), then closes the link, which fails a request still waiting: a stop never
   * waits for a long reply timeout or a peer that does not answer.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const stoppedError = new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} stopped`);
    for (const queue of Object.values(this.queues)) for (const q of queue.splice(0)) q.reject(stoppedError);
    if (this.pumping !== undefined) {
      const grace = new Promise<void>((resolve) => {
        const timer = this.options.clock.setTimeout(resolve, this.options.stopGraceMs ?? 1000);
        void this.pumping?.finally(() => {
          this.options.clock.clearTimeout(timer);
          resolve();
        });
      });
      await grace;
    }
    await this.supervisor.stop();
  }

  private pump(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.pumping = this.drain();
    return this.pumping;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const { relay, read, poll } = this.queues;
        const next = relay.shift() ?? read.shift() ?? poll.shift();
        if (next === undefined || this.stopped) break;
        try {
          await this.supervisor.ensureOpen();
        } catch (error) {
          // The bus is down: the meter's poll fails with the reason, counted against the meter too.
          if (isGatewayError(error))
            countError(this.countersFor(next.job.meterId), error, this.options.clock.now());
          next.reject(error);
          continue;
        }
        try {
          next.resolve(await next.job.run(this.transactor(next.job)));
        } catch (error) {
          next.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
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

  private transactor(job: BusJob<BusLink, unknown>): Transactor<Link> {
    const { clock, timeoutMs, interFrameGapMs } = this.options;
    const counters = this.countersFor(job.meterId);
    const tx = {
      retried: false,
      transact: async <R>(exchange: (link: Link, timeoutMs: number) => Promise<R>): Promise<R> => {
        for (let attempt = 0; ; attempt++) {
          const wait = this.lastEndMono + interFrameGapMs - clock.monotonicMs();
          if (wait > 0) await clock.sleep(wait);
          if (this.stopped) throw new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} stopped`);
          const startMono = clock.monotonicMs();
          try {
            const result = await this.bounded(exchange(this.link, timeoutMs), timeoutMs);
            this.supervisor.replied();
            counters.ok += 1;
            counters.lastSeenMs = clock.now();
            return result;
          } catch (error) {
            const e = await this.supervisor.requestFailed(
              isGatewayError(error)
                ? error
                : new GatewayError(ErrorCode.Internal, String(error), {}, { cause: error }),
            );
            countError(counters, e, clock.now());
            if (isBusFailure(e)) throw e;
            if (!isTransient(e) || attempt >= job.retries) throw e;
            tx.retried = true;
          } finally {
            const endMono = clock.monotonicMs();
            this.busyMs += endMono - startMono;
            this.lastEndMono = endMono;
          }
        }
      },
    };
    return tx;
  }
}
