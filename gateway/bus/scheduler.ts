/**
 * One scheduler per bus (DOMAIN.md section 6): one transaction at a time, a gap between transactions,
 * a timeout and retries per transaction, writes ahead of queued polls. Protocol-neutral: a job gets a
 * transactor over whatever link the bus has (Modbus today, DL/T 645 next).
 */
import type { Clock } from "../core/clock.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../core/errors.ts";
import { countError, isBusFailure, isTransient, newCounters, type MeterCounters } from "./counters.ts";

/** What the scheduler needs of a link: open it, close it, know whether it is open. */
export interface BusLink {
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  close(): Promise<void>;
}

export interface Transactor<Link extends BusLink> {
  /** Runs one request/reply exchange with the bus's gap, timeout and retry rules. */
  transact<R>(exchange: (link: Link, timeoutMs: number) => Promise<R>): Promise<R>;
  /** True once any transaction of this job needed a retry. */
  readonly retried: boolean;
}

export type JobPriority = "write" | "poll";

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
  /** Reply timeout per transaction, ms (1..30000). */
  timeoutMs: number;
  /** Silence kept between the end of one transaction and the next request, ms (0..10000). */
  interFrameGapMs: number;
  /** Delay before reopening a link that failed to open, ms; doubles up to 30 s. Default 1000. */
  reopenDelayMs?: number;
  onBusState?: (state: "up" | "down", error?: GatewayError) => void;
}

interface Queued {
  job: BusJob<BusLink, unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class BusScheduler<Link extends BusLink> {
  private readonly writes: Queued[] = [];
  private readonly polls: Queued[] = [];
  private readonly counters = new Map<string, MeterCounters>();
  private running = false;
  private stopped = false;
  private lastEndMono = -Infinity;
  private busUp: boolean | undefined;
  private reopenAtMono = 0;
  private reopenDelayMs: number;
  private lastOpenError: GatewayError | undefined;
  /** Monotonic ms the link spent in transactions, for bus utilisation. */
  busyMs = 0;

  constructor(
    private readonly link: Link,
    private readonly options: BusSchedulerOptions,
  ) {
    this.reopenDelayMs = options.reopenDelayMs ?? 1000;
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
  get queued(): { writes: number; polls: number } {
    return { writes: this.writes.length, polls: this.polls.length };
  }

  enqueue<T>(job: BusJob<Link, T>): Promise<T> {
    if (this.stopped)
      return Promise.reject(new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} is stopped`));
    return new Promise<T>((resolve, reject) => {
      const entry: Queued = { job: job, resolve: resolve as (v: unknown) => void, reject };
      if (job.priority === "write") {
        this.writes.push(entry);
      } else {
        this.polls.push(entry);
      }
      void this.pump();
    });
  }

  /** Rejects queued jobs, waits for the one in hand, closes the link. */
  async stop(): Promise<void> {
    this.stopped = true;
    const stoppedError = new GatewayError(ErrorCode.PortClosed, `bus ${this.options.busId} stopped`);
    for (const q of [...this.writes.splice(0), ...this.polls.splice(0)]) q.reject(stoppedError);
    while (this.running) await new Promise((resolve) => setImmediate(resolve));
    await this.link.close();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const write = this.writes.shift();
        const next = write ?? this.polls.shift();
        if (next === undefined || this.stopped) break;
        try {
          await this.ensureOpen();
          next.resolve(await next.job.run(this.transactor(next.job)));
        } catch (error) {
          next.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async ensureOpen(): Promise<void> {
    if (this.link.isOpen) return;
    const clock = this.options.clock;
    if (this.lastOpenError !== undefined && clock.monotonicMs() < this.reopenAtMono) throw this.lastOpenError;
    try {
      await this.link.open();
      this.lastOpenError = undefined;
      this.reopenDelayMs = this.options.reopenDelayMs ?? 1000;
      this.setBusState("up");
    } catch (error) {
      const e = isGatewayError(error)
        ? error
        : new GatewayError(ErrorCode.TransportError, `${this.link.description}: ${String(error)}`);
      this.lastOpenError = e;
      this.reopenAtMono = clock.monotonicMs() + this.reopenDelayMs;
      this.reopenDelayMs = Math.min(this.reopenDelayMs * 2, 30_000);
      this.setBusState("down", e);
      throw e;
    }
  }

  private setBusState(state: "up" | "down", error?: GatewayError): void {
    const up = state === "up";
    if (this.busUp === up) return;
    this.busUp = up;
    this.options.onBusState?.(state, error);
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
          const startMono = clock.monotonicMs();
          try {
            const result = await exchange(this.link, timeoutMs);
            counters.ok += 1;
            counters.lastSeenMs = clock.now();
            return result;
          } catch (error) {
            const e = isGatewayError(error)
              ? error
              : new GatewayError(ErrorCode.Internal, String(error), {}, { cause: error });
            countError(counters, e, clock.now());
            if (isBusFailure(e)) {
              await this.link.close();
              this.setBusState("down", e);
              throw e;
            }
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
