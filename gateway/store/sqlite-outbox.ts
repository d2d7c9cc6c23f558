/**
 * The SQLite outbox. Sequence numbers come from the `stream_seq` row bumped in the same transaction as the
 * insert: a rolled-back unit of work returns its number, so streams stay gapless across crashes and
 * restarts. Enqueue joins the caller's transaction when there is one (see {@link Sql.transaction}).
 */
import type { Clock } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { EnqueueResult, FetchOptions, Outbox, OutboxRecord, StoredOutboxRecord } from "./outbox.ts";
import { checkEnqueue, checkFetch, replayed } from "./outbox-checks.ts";
import type { Sql } from "./sql.ts";
import { wholeMs } from "./sql.ts";

interface OutboxRow<Payload = string> {
  id: number;
  stream: string;
  seq: number;
  idem_key: string;
  payload_json: Payload;
  created_at_ms: number;
  created_mono_ms: number;
  delivered_at_ms: number | null;
}

function toRecord(row: OutboxRow): OutboxRecord {
  const { payloadJson, ...rest } = toStoredRecord(row);
  return { ...rest, payload: JSON.parse(payloadJson) as unknown };
}

function toStoredRecord<Payload>(row: OutboxRow<Payload>): Omit<StoredOutboxRecord, "payloadJson"> & {
  payloadJson: Payload;
} {
  return {
    id: row.id,
    stream: row.stream,
    seq: row.seq,
    key: row.idem_key,
    payloadJson: row.payload_json,
    createdAtMs: row.created_at_ms,
    createdMonoMs: row.created_mono_ms,
    deliveredAtMs: row.delivered_at_ms,
  };
}

/** {@link Outbox} over the gateway database. */
export class SqliteOutbox implements Outbox {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  enqueue(stream: string, key: string, payload: unknown): EnqueueResult {
    const payloadJson = checkEnqueue(stream, key, payload);
    return this.sql.atomic(() => {
      const { last_seq: seq } = this.sql
        .stmt<[string], { last_seq: number }>(
          `INSERT INTO stream_seq (stream, last_seq) VALUES (?, 1)
           ON CONFLICT (stream) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
        )
        .get(stream)!;
      // Inserted first and looked up only when the key was queued already (a replay): one statement
      // less per record. The number just taken is then given back, in the same transaction.
      const info = this.sql
        .stmt(
          `INSERT INTO outbox (stream, seq, idem_key, payload_json, created_at_ms, created_mono_ms)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING`,
        )
        .run(stream, seq, key, payloadJson, this.clock.now(), wholeMs(this.clock.monotonicMs()));
      if (info.changes === 1) return { id: Number(info.lastInsertRowid), seq, duplicate: false };
      this.sql.stmt("UPDATE stream_seq SET last_seq = last_seq - 1 WHERE stream = ?").run(stream);
      return this.existing(stream, key);
    });
  }

  /** The record already queued under `key`, which must be on `stream`. */
  private existing(stream: string, key: string): EnqueueResult {
    const existing = this.sql
      .stmt<[string], { id: number; stream: string; seq: number }>(
        "SELECT id, stream, seq FROM outbox WHERE idem_key = ?",
      )
      .get(key)!;
    return replayed(existing, stream, key);
  }

  fetchUndelivered(stream: string, options: FetchOptions): OutboxRecord[] {
    return this.undeliveredRows<string>(stream, options, "payload_json").map(toRecord);
  }

  fetchUndeliveredJson(stream: string, options: FetchOptions): StoredOutboxRecord[] {
    // The text's bytes as SQLite holds them (UTF-8, the database's encoding): a Buffer outside V8's heap.
    return this.undeliveredRows<Buffer>(stream, options, "CAST(payload_json AS BLOB)").map(toStoredRecord);
  }

  private undeliveredRows<Payload>(
    stream: string,
    options: FetchOptions,
    payload: "payload_json" | "CAST(payload_json AS BLOB)",
  ): OutboxRow<Payload>[] {
    checkFetch(options);
    return this.sql
      .stmt<[string, number, number, number], OutboxRow<Payload>>(
        // id order is seq order within a stream (both assigned at insert); the partial index on
        // (stream, id) makes `id > ?` a range seek past any backlog.
        `SELECT id, stream, seq, idem_key, ${payload} AS payload_json, created_at_ms, created_mono_ms,
           delivered_at_ms
         FROM outbox WHERE stream = ? AND delivered_at_ms IS NULL AND id > ? AND id <= ?
         ORDER BY id LIMIT ?`,
      )
      .all(stream, options.afterId ?? 0, options.upToId ?? Number.MAX_SAFE_INTEGER, options.limit);
  }

  markDelivered(ids: readonly number[]): number {
    if (ids.length === 0) return 0;
    // One statement for the whole PUBACK batch; the trigger marks the readings each record carried.
    return this.sql
      .stmt(
        `UPDATE outbox SET delivered_at_ms = ?
         WHERE delivered_at_ms IS NULL AND id IN (SELECT value FROM json_each(?))`,
      )
      .run(this.clock.now(), JSON.stringify(ids)).changes;
  }

  backlogCount(stream?: string): number {
    const row =
      stream === undefined
        ? this.sql
            .stmt<[], { n: number }>("SELECT count(*) AS n FROM outbox WHERE delivered_at_ms IS NULL")
            .get()
        : this.sql
            .stmt<[string], { n: number }>(
              "SELECT count(*) AS n FROM outbox WHERE stream = ? AND delivered_at_ms IS NULL",
            )
            .get(stream);
    return row?.n ?? 0;
  }

  backlogByStream(): Record<string, number> {
    const rows = this.sql
      .stmt<[], { stream: string; n: number }>(
        "SELECT stream, count(*) AS n FROM outbox WHERE delivered_at_ms IS NULL GROUP BY stream ORDER BY stream",
      )
      .all();
    return Object.fromEntries(rows.map((r) => [r.stream, r.n]));
  }

  /**
   * From insert to broker acknowledgement, ms, of the newest `limit` (1..10000) delivered records, newest
   * first: the publish latency metric.
   */
  deliveryLatenciesMs(limit: number): number[] {
    return this.sql
      .stmt<[number], { latency: number }>(
        "SELECT delivered_at_ms - created_at_ms AS latency FROM outbox WHERE delivered_at_ms IS NOT NULL ORDER BY id DESC LIMIT ?",
      )
      .all(Math.min(Math.max(1, limit), 10_000))
      .map((row) => row.latency);
  }

  lastId(): number {
    // sqlite_sequence survives deletion of the newest rows, so the boundary never moves backwards.
    const row = this.sql
      .stmt<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
      .get();
    return row?.seq ?? 0;
  }

  lastSeq(stream: string): number {
    const row = this.sql
      .stmt<[string], { last_seq: number }>("SELECT last_seq FROM stream_seq WHERE stream = ?")
      .get(stream);
    return row?.last_seq ?? 0;
  }

  /**
   * Highest seq of `stream` up to which every record has been acknowledged: the seq before its oldest
   * undelivered record, or the last seq handed out when none waits (0 before the first record).
   */
  ackedThroughSeq(stream: string): number {
    const oldest = this.sql
      .stmt<[string], number>(
        "SELECT seq FROM outbox WHERE stream = ? AND delivered_at_ms IS NULL ORDER BY id LIMIT 1",
      )
      .pluck()
      .get(stream);
    return oldest === undefined ? this.lastSeq(stream) : oldest - 1;
  }

  /** The seq the first record of `stream` after outbox id `afterId` has, or will have. */
  firstSeqAfter(stream: string, afterId: number): number {
    const first = this.sql
      .stmt<[string, number], number>("SELECT min(seq) FROM outbox WHERE stream = ? AND id > ?")
      .pluck()
      .get(stream, afterId);
    return first ?? this.lastSeq(stream) + 1;
  }

  /**
   * Ids and seqs of the stored records of `stream` with seq in [fromSeq, toSeq] and id in (afterId, upToId],
   * in seq order: at most toSeq - fromSeq + 1 small rows, never the payloads (see {@link getMany}).
   */
  seqIndex(
    stream: string,
    range: { fromSeq: number; toSeq: number; afterId: number; upToId: number },
  ): { id: number; seq: number }[] {
    return this.sql
      .stmt<[string, number, number, number, number], { id: number; seq: number }>(
        `SELECT id, seq FROM outbox WHERE stream = ? AND seq BETWEEN ? AND ? AND id > ? AND id <= ?
         ORDER BY seq`,
      )
      .all(stream, range.fromSeq, range.toSeq, range.afterId, range.upToId);
  }

  /** The records with these ids (at most 1000), in id order; ids no longer stored are left out. */
  getMany(ids: readonly number[]): OutboxRecord[] {
    if (ids.length > 1000) throw new GatewayError(ErrorCode.Internal, "getMany takes at most 1000 ids");
    return this.sql
      .stmt<[string], OutboxRow>(
        "SELECT * FROM outbox WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
      )
      .all(JSON.stringify(ids))
      .map(toRecord);
  }

  get(id: number): OutboxRecord | undefined {
    const row = this.sql.stmt<[number], OutboxRow>("SELECT * FROM outbox WHERE id = ?").get(id);
    return row === undefined ? undefined : toRecord(row);
  }
}
