/**
 * `request/history` (docs/mqtt.md 6.3): once the broker has acknowledged a record, the gateway's store is
 * the only copy besides the platform's session, for as long as retention keeps it (3.2, 30 days). A
 * history answer looks up which seqs of the range are still stored (ids and seqs only, at most 1000 small
 * rows), answers with the ranges found and gone, then republishes the found records on their stream's
 * own topic, flagged `historical`, with their original epoch, key and seq: a consumer's deduplication
 * and gap filling take them as they take any record. Bounded: the payloads are read 50 at a time, at
 * most 8 unacknowledged and 200 a second, beside live delivery (which keeps its own window), one answer at
 * a time, and 6 requests a minute.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { OutboxRecord, Store } from "../store/index.ts";
import type { HistoryQuery } from "./commands/executor.ts";
import type { HistoryResult } from "./commands/history-schemas.ts";
import type { PublishChannel } from "./delivery.ts";
import { buildEnvelope } from "./envelope.ts";
import type { EpochBook } from "./epochs.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { StreamName } from "./records.ts";
import type { GatewayTopics } from "./topics.ts";

/** Requests per minute (bucket size and refill), records per second, unacknowledged at once, read per query. */
export const historyLimits = { requestsPerMinute: 6, recordsPerSec: 200, inFlight: 8, chunk: 50 } as const;

/** Options of {@link HistoryService}. */
export interface HistoryServiceOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly gatewayId: string;
  readonly topics: GatewayTopics;
  readonly book: () => EpochBook;
  /** The current connection's channel, or undefined while disconnected. */
  readonly channel: () => PublishChannel | undefined;
}

interface Job {
  readonly stream: StreamName;
  readonly epoch: string;
  /** Outbox ids still to read, in seq order. */
  readonly ids: number[];
  /** Records read and not yet published: at most `chunk`. */
  buffer: OutboxRecord[];
  inFlight: number;
  timer: TimerHandle | undefined;
}

type Range = { fromSeq: number; toSeq: number };

export class HistoryService {
  private job: Job | undefined;
  private readonly requests: TokenBucket;
  private readonly pace: TokenBucket;

  constructor(private readonly options: HistoryServiceOptions) {
    const { clock } = options;
    const { requestsPerMinute, recordsPerSec } = historyLimits;
    this.requests = new TokenBucket(clock, requestsPerMinute / 60, requestsPerMinute);
    this.pace = new TokenBucket(clock, recordsPerSec, historyLimits.inFlight);
  }

  /** The `history` query of the command executor. */
  readonly answer: HistoryQuery = (params) => {
    const { store, book } = this.options;
    const stream = params.stream;
    const span = book().span(params.epoch, stream, store.outbox.lastSeq(stream));
    if (span === undefined) {
      const details = { epoch: params.epoch, epochs: book().ids };
      return { ok: false, code: "UNKNOWN_EPOCH", message: `no stream epoch ${params.epoch} here`, details };
    }
    const limited = this.limited();
    if (limited !== undefined) return limited;
    const fromSeq = Math.max(params.fromSeq, span.firstSeq);
    const toSeq = Math.min(params.toSeq, span.lastSeq);
    const rows = fromSeq > toSeq ? [] : store.outbox.seqIndex(stream, { ...span, fromSeq, toSeq });
    const result: HistoryResult = {
      ...params,
      firstSeq: span.firstSeq,
      lastSeq: span.lastSeq,
      republished: ranges(rows.map((r) => r.seq)),
      gone:
        fromSeq > toSeq
          ? []
          : missing(
              rows.map((r) => r.seq),
              fromSeq,
              toSeq,
            ),
      count: rows.length,
    };
    if (rows.length > 0) this.start({ stream, epoch: params.epoch, ids: rows.map((r) => r.id) });
    return { ok: true, result };
  };

  /** Stops republishing (the uplink stops); the rest of a running answer is dropped. */
  stop(): void {
    if (this.job?.timer !== undefined) this.options.clock.clearTimeout(this.job.timer);
    this.job = undefined;
  }

  private limited() {
    const running = this.job;
    const { requestsPerMinute } = historyLimits;
    const limits = { bucketSize: requestsPerMinute, refillPerMinute: requestsPerMinute };
    if (running !== undefined) {
      const left = running.ids.length + running.buffer.length + running.inFlight;
      const retryAfterMs = Math.ceil((left * 1000) / historyLimits.recordsPerSec);
      const details = { retryAfterMs, ...limits, inProgress: left };
      const message = `a history answer is still republishing (${left} records)`;
      return { ok: false, code: "HISTORY_RATE_LIMITED", message, details } as const;
    }
    if (this.requests.tryTake()) return undefined;
    const details = { retryAfterMs: this.requests.msUntilNext(), ...limits, inProgress: 0 };
    const message = `more than ${requestsPerMinute} history requests per minute`;
    return { ok: false, code: "HISTORY_RATE_LIMITED", message, details } as const;
  }

  private start(job: Pick<Job, "stream" | "epoch" | "ids">): void {
    const started: Job = { ...job, buffer: [], inFlight: 0, timer: undefined };
    this.job = started;
    // After the response: it is published when this command's handling returns.
    started.timer = this.options.clock.setTimeout(() => this.pump(started), 0);
  }

  private pump(job: Job): void {
    job.timer = undefined;
    if (this.job !== job) return;
    const channel = this.options.channel();
    if (channel === undefined) return this.finish(job, "the connection was lost");
    const { store, gatewayId, topics, logger } = this.options;
    try {
      while (job.inFlight < historyLimits.inFlight && this.pace.available() >= 1) {
        if (job.buffer.length === 0 && job.ids.length > 0)
          job.buffer = store.outbox.getMany(job.ids.splice(0, historyLimits.chunk));
        const record = job.buffer.shift();
        if (record === undefined) break;
        this.pace.tryTake();
        job.inFlight++;
        const payload = JSON.stringify(buildEnvelope(record, gatewayId, true, job.epoch));
        channel.publish(topics.stream(job.stream), payload, (error) => this.acked(job, error));
      }
    } catch (error) {
      logger.error({ err: error }, "history answer could not read the store");
      return this.finish(job, "store error");
    }
    const left = job.ids.length + job.buffer.length;
    if (left === 0 && job.inFlight === 0) return this.finish(job);
    if (left > 0 && job.inFlight < historyLimits.inFlight)
      job.timer = this.options.clock.setTimeout(() => this.pump(job), Math.max(1, this.pace.msUntilNext()));
  }

  private acked(job: Job, error: Error | undefined): void {
    job.inFlight--;
    if (this.job !== job) return;
    if (error !== undefined) return this.finish(job, error.message);
    if (job.timer === undefined) this.pump(job);
  }

  private finish(job: Job, failure?: string): void {
    if (this.job !== job) return;
    this.job = undefined;
    const left = job.ids.length + job.buffer.length;
    if (failure === undefined) this.options.logger.info({ stream: job.stream }, "history answer republished");
    else this.options.logger.warn({ stream: job.stream, left, failure }, "history answer stopped");
  }
}

/** Sorted distinct seqs as contiguous ranges. */
function ranges(seqs: readonly number[]): Range[] {
  const out: Range[] = [];
  for (const seq of seqs) {
    const last = out.at(-1);
    if (last !== undefined && seq === last.toSeq + 1) last.toSeq = seq;
    else out.push({ fromSeq: seq, toSeq: seq });
  }
  return out;
}

/** The ranges of [fromSeq, toSeq] not in the sorted `present`. */
function missing(present: readonly number[], fromSeq: number, toSeq: number): Range[] {
  const out: Range[] = [];
  let next = fromSeq;
  for (const seq of present) {
    if (seq > next) out.push({ fromSeq: next, toSeq: seq - 1 });
    next = seq + 1;
  }
  if (next <= toSeq) out.push({ fromSeq: next, toSeq });
  return out;
}
