/**
 * Publishing from the SQLite outbox (DOMAIN.md section 7: the backlog is ours, never MQTT.js's memory or
 * the broker's queue). Per broker connection ("session") the outbox splits at `lastId()` taken at connect:
 * records up to it are the backlog (published with `historical: true`, paced by a token bucket), records
 * after it are live (published first, as soon as there is room). Each part goes out in `seq` order per
 * stream; at most `window` records are unacknowledged at once; a record is marked delivered only on its
 * PUBACK. On disconnect nothing is kept: the next session starts again from what the outbox still holds.
 * Only the contract's streams (readings, billing, events) are published; other outbox streams are not ours.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { Outbox, StoredOutboxRecord } from "../store/index.ts";
import { envelopeBytes, streamNames } from "./envelope.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { StreamName } from "./records.ts";
import type { GatewayTopics } from "./topics.ts";

/** A connected MQTT client, reduced to what delivery needs. */
export interface PublishChannel {
  /**
   * QoS 1 publish of a JSON object (text, or its UTF-8 bytes); `done` is called once: without an error on
   * PUBACK, with one otherwise.
   */
  publish(topic: string, payload: string | Buffer, done: (error?: Error) => void): void;
}

/** Options of {@link OutboxDelivery}. */
export interface OutboxDeliveryOptions {
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly gatewayId: string;
  readonly topics: GatewayTopics;
  /** Unacknowledged records at once, all streams: 1..1000. */
  readonly window: number;
  /** Records read per outbox query: 1..1000. */
  readonly batchSize: number;
  /** Backlog records published per second: 1..10000. */
  readonly backlogRatePerSec: number;
  /** The stream epoch of an outbox record, by its id (epochs.ts). */
  readonly epochOf: (outboxId: number) => string;
  /** Called when a publish fails while connected; the owner should drop the connection and reconnect. */
  readonly onPublishError: (error: Error) => void;
}

/** One part (live or backlog) of one stream: a read-ahead buffer and the id it continues after. */
interface Lane {
  readonly historical: boolean;
  buffer: StoredOutboxRecord[];
  afterId: number;
  /** Set when a query found nothing; cleared by outboxChanged() and the poll, so idle lanes cost no queries. */
  idle: boolean;
}

interface Session {
  readonly channel: PublishChannel;
  /** Highest outbox id at connect: the backlog/live boundary. */
  readonly boundary: number;
  readonly live: Map<StreamName, Lane>;
  readonly backlog: Map<StreamName, Lane>;
  readonly bucket: TokenBucket;
  inFlight: number;
  backlogLeft: boolean;
  paceTimer: TimerHandle | undefined;
}

export class OutboxDelivery {
  private session: Session | undefined;
  private pendingAcks: number[] = [];
  private afterAcksScheduled = false;
  private lastAckAtMs: number | null = null;
  private nextLiveStream = 0;
  private nextBacklogStream = 0;

  constructor(private readonly options: OutboxDeliveryOptions) {}

  /** Wall-clock time of the last PUBACK of an outbox record, or null. */
  get lastPublishAtMs(): number | null {
    return this.lastAckAtMs;
  }

  /** Records published and not yet acknowledged in the current session. */
  get inFlight(): number {
    return this.session?.inFlight ?? 0;
  }

  /** Starts publishing over a fresh connection. */
  startSession(channel: PublishChannel): void {
    this.endSession();
    const { outbox, clock, backlogRatePerSec, logger } = this.options;
    const boundary = outbox.lastId();
    const lanes = (historical: boolean) =>
      new Map(
        streamNames.map((s) => [
          s,
          { historical, buffer: [], afterId: historical ? 0 : boundary, idle: false },
        ]),
      );
    this.session = {
      channel,
      boundary,
      live: lanes(false),
      backlog: lanes(true),
      bucket: new TokenBucket(clock, backlogRatePerSec, Math.max(1, Math.ceil(backlogRatePerSec / 10))),
      inFlight: 0,
      backlogLeft: true,
      paceTimer: undefined,
    };
    logger.info({ boundary, backlog: outbox.backlogCount() }, "uplink session started");
    this.pump();
  }

  /** Stops publishing (connection lost or closing); in-flight records stay undelivered in the outbox. */
  endSession(): void {
    const session = this.session;
    if (session === undefined) return;
    if (session.paceTimer !== undefined) this.options.clock.clearTimeout(session.paceTimer);
    this.session = undefined;
    this.flushAcks();
  }

  /** New records may be in the outbox: look now rather than at the next poll. */
  outboxChanged(): void {
    const session = this.session;
    if (session === undefined) return;
    for (const lane of session.live.values()) lane.idle = false;
    this.pump();
  }

  /** Writes the PUBACKs received so far to the outbox (one statement). */
  flushAcks(): void {
    if (this.pendingAcks.length === 0) return;
    const ids = this.pendingAcks;
    this.pendingAcks = [];
    try {
      this.options.outbox.markDelivered(ids);
    } catch (error) {
      // Unmarked records are published again later: a duplicate with the same key, never a loss.
      this.options.logger.error({ err: error, count: ids.length }, "could not mark records delivered");
    }
  }

  private pump(): void {
    const session = this.session;
    if (session === undefined) return;
    try {
      while (this.session === session && session.inFlight < this.options.window) {
        const record = this.next(session.live, "nextLiveStream");
        if (record === undefined) break;
        this.send(session, record, false);
      }
      while (
        this.session === session &&
        session.backlogLeft &&
        session.inFlight < this.options.window &&
        session.bucket.available() >= 1
      ) {
        const record = this.next(session.backlog, "nextBacklogStream");
        if (record === undefined) {
          session.backlogLeft = false;
          this.options.logger.info({ boundary: session.boundary }, "uplink backlog drained");
          break;
        }
        session.bucket.tryTake();
        this.send(session, record, true);
      }
    } catch (error) {
      this.options.logger.error({ err: error }, "uplink could not read the outbox");
      return;
    }
    if (this.session !== session) return;
    if (session.backlogLeft && session.inFlight < this.options.window && session.paceTimer === undefined) {
      // Out of backlog tokens: come back when the next one is due.
      session.paceTimer = this.options.clock.setTimeout(
        () => {
          session.paceTimer = undefined;
          if (this.session === session) this.pump();
        },
        Math.max(1, session.bucket.msUntilNext()),
      );
    }
  }

  /** The next record of `lanes`, taking streams in turn so one busy stream cannot starve the others. */
  private next(lanes: Map<StreamName, Lane>, cursor: "nextLiveStream" | "nextBacklogStream") {
    const session = this.session!;
    for (let tried = 0; tried < streamNames.length; tried++) {
      const stream = streamNames[this[cursor] % streamNames.length]!;
      this[cursor] = (this[cursor] + 1) % streamNames.length;
      const lane = lanes.get(stream)!;
      if (lane.buffer.length === 0 && !lane.idle) {
        lane.buffer = this.options.outbox.fetchUndeliveredJson(stream, {
          limit: this.options.batchSize,
          afterId: lane.afterId,
          ...(lane.historical ? { upToId: session.boundary } : {}),
        });
        lane.idle = lane.buffer.length === 0;
      }
      const record = lane.buffer.shift();
      if (record !== undefined) {
        lane.afterId = record.id;
        return record;
      }
    }
    return undefined;
  }

  private send(session: Session, record: StoredOutboxRecord, historical: boolean): void {
    const { topics, gatewayId } = this.options;
    const epoch = this.options.epochOf(record.id);
    const payload = envelopeBytes(record, gatewayId, historical, epoch);
    session.inFlight++;
    session.channel.publish(topics.stream(record.stream as StreamName), payload, (error) => {
      if (error === undefined) {
        // Acknowledged by the broker, whatever happened to the session since.
        this.pendingAcks.push(record.id);
        this.lastAckAtMs = this.options.clock.now();
      }
      if (this.session === session) {
        session.inFlight--;
        if (error !== undefined) {
          this.endSession();
          this.options.onPublishError(error);
          return;
        }
      }
      if (error === undefined) this.scheduleAfterAcks();
    });
  }

  /**
   * After the PUBACKs of one read from the socket: mark them delivered in one statement, then refill the
   * window. Deferred with setImmediate (not a timer: no time passes) so acks batch and a channel that
   * acknowledges synchronously cannot recurse.
   */
  private scheduleAfterAcks(): void {
    if (this.afterAcksScheduled) return;
    this.afterAcksScheduled = true;
    setImmediate(() => {
      this.afterAcksScheduled = false;
      this.flushAcks();
      this.pump();
    });
  }
}
