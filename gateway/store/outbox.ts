/**
 * The durable outbox the MQTT uplink publishes from (DOMAIN.md section 7: MQTT.js keeps its queue in
 * memory, Mosquitto drops after 1000 queued messages, so the backlog must be ours). Records are published
 * in per-stream sequence order and marked delivered only on PUBACK. Every implementation must pass
 * `test/helpers/store/outbox-conformance.ts` (STYLE.md principle 7).
 *
 * The interface is synchronous on purpose: better-sqlite3 is synchronous, and a SQLite transaction cannot
 * span an `await`, which is what lets a state change and its outbox record commit together.
 */

/** A queued uplink record. */
export interface OutboxRecord {
  /** Store-wide id, increasing in enqueue order across all streams; never reused. */
  readonly id: number;
  /** Uplink stream, e.g. `readings`, `billing`, `events`. */
  readonly stream: string;
  /** 1, 2, 3 ... per stream with no gaps, so the platform can detect a missing record. */
  readonly seq: number;
  /** Idempotency key, unique across the outbox; lets the platform drop QoS 1 duplicates. */
  readonly key: string;
  /** The JSON payload as stored (a JSON round trip of what was enqueued). */
  readonly payload: unknown;
  /** Wall-clock enqueue time, epoch ms. */
  readonly createdAtMs: number;
  /** Monotonic enqueue time, ms; comparable only within one process run. */
  readonly createdMonoMs: number;
  /** Wall-clock time of the PUBACK, or null while undelivered. */
  readonly deliveredAtMs: number | null;
}

/**
 * A record with its payload as the JSON text it was stored as, in UTF-8 bytes, neither parsed nor made a
 * string (what the uplink sends: a readings record's payload is some 100 kB, and as a string it was
 * allocated twice per publish in V8's large-object space).
 */
export interface StoredOutboxRecord extends Omit<OutboxRecord, "payload"> {
  /** The payload's JSON as stored (JSON.stringify of what was enqueued), UTF-8. */
  readonly payloadJson: Buffer;
}

/** Outcome of {@link Outbox.enqueue}. */
export interface EnqueueResult {
  readonly id: number;
  readonly seq: number;
  /** True when the key was already queued: nothing new was stored and no sequence number was used. */
  readonly duplicate: boolean;
}

/** Selects part of a stream's backlog. */
export interface FetchOptions {
  /** Maximum records returned: 1..10000. */
  readonly limit: number;
  /** Only records with an id above this one (resume after the last record in flight). */
  readonly afterId?: number;
  /**
   * Only records with an id up to and including this one. With {@link Outbox.lastId} taken at connect,
   * `upToId` selects the backlog from before the outage and `afterId` the live records since.
   */
  readonly upToId?: number;
}

/** Durable per-stream FIFO of uplink records. */
export interface Outbox {
  /**
   * Queues `payload` on `stream` under the idempotency `key` and returns its sequence number. Re-enqueueing
   * a key that is still stored returns the original record (first payload wins); reusing a key on another
   * stream is an error.
   */
  enqueue(stream: string, key: string, payload: unknown): EnqueueResult;
  /** Undelivered records of `stream` in sequence order. */
  fetchUndelivered(stream: string, options: FetchOptions): OutboxRecord[];
  /**
   * The same records with their payloads as the stored JSON's UTF-8 bytes, not parsed: the uplink puts
   * them on the wire as they are (a parse and a stringify of every payload less).
   */
  fetchUndeliveredJson(stream: string, options: FetchOptions): StoredOutboxRecord[];
  /** Marks records delivered (on PUBACK). Unknown or already delivered ids are ignored; returns how many changed. */
  markDelivered(ids: readonly number[]): number;
  /** Undelivered record count, for one stream or all. */
  backlogCount(stream?: string): number;
  /** Undelivered record count per stream (streams with none are omitted). */
  backlogByStream(): Record<string, number>;
  /** Highest id handed out so far (0 when empty): the live/backlog boundary. */
  lastId(): number;
  /** Last sequence number handed out on `stream` (0 before the first record). */
  lastSeq(stream: string): number;
  /** One record by id, delivered or not. */
  get(id: number): OutboxRecord | undefined;
}

/** Bounds shared by every implementation so they reject the same calls. */
export const maxFetchLimit = 10_000;
