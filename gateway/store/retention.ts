/**
 * Bounded retention. Only data that is both delivered and replaceable is evicted: readings whose outbox
 * record was acknowledged, acknowledged outbox records, and command ids older than any command could be
 * valid. The ledger, relay audit and events are never touched (schema triggers would refuse anyway), and
 * undelivered rows are protected by triggers, so a wrong policy can only keep too much, never lose data.
 */
import type { Clock } from "../../core/clock.ts";
import type { Sql } from "./sql.ts";

/** What to keep. Every bound is optional; omitted means "no bound of this kind". */
export interface RetentionPolicy {
  /** Delete delivered readings older than this (by reading wall time), ms: >= 0. */
  readonly readingsMaxAgeMs?: number;
  /** Keep at most this many delivered readings (the newest): >= 0. */
  readonly readingsMaxDelivered?: number;
  /** Delete delivered outbox records older than this (by enqueue wall time), ms: >= 0. */
  readonly outboxMaxAgeMs?: number;
  /** Keep at most this many delivered outbox records (the newest): >= 0. */
  readonly outboxMaxDelivered?: number;
  /** Forget command ids seen longer ago than this; must exceed the longest command validity, ms. */
  readonly commandsSeenMaxAgeMs?: number;
  /** Rows deleted per transaction, so other writers (the poll loop) wait at most one chunk: default 5000. */
  readonly chunkRows?: number;
}

/** Rows removed by one retention run. */
export interface RetentionResult {
  readonly readings: number;
  readonly outbox: number;
  readonly commandsSeen: number;
}

/**
 * Applies `policy` once. Ages use the wall clock: a clock that leapt forward can evict delivered data early,
 * which loses nothing the platform has not already acknowledged.
 */
export function applyRetention(sql: Sql, clock: Clock, policy: RetentionPolicy): RetentionResult {
  const chunk = Math.max(1, Math.trunc(policy.chunkRows ?? 5000));
  const now = clock.now();
  let readings = 0;
  let outbox = 0;
  if (policy.readingsMaxAgeMs !== undefined) {
    readings += deleteInChunks(
      sql,
      `DELETE FROM readings WHERE id IN (SELECT id FROM readings
         WHERE delivered_at_ms IS NOT NULL AND at_ms < @cutoff ORDER BY id LIMIT @limit)`,
      now - policy.readingsMaxAgeMs,
      chunk,
    );
  }
  if (policy.readingsMaxDelivered !== undefined) {
    readings += trimToCount(sql, "readings", policy.readingsMaxDelivered, chunk);
  }
  // Readings first: deleting an outbox record only nulls the link of readings that remain.
  if (policy.outboxMaxAgeMs !== undefined) {
    outbox += deleteInChunks(
      sql,
      `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox
         WHERE delivered_at_ms IS NOT NULL AND created_at_ms < @cutoff ORDER BY id LIMIT @limit)`,
      now - policy.outboxMaxAgeMs,
      chunk,
    );
  }
  if (policy.outboxMaxDelivered !== undefined) {
    outbox += trimToCount(sql, "outbox", policy.outboxMaxDelivered, chunk);
  }
  let commandsSeen = 0;
  if (policy.commandsSeenMaxAgeMs !== undefined) {
    commandsSeen = deleteInChunks(
      sql,
      "DELETE FROM commands_seen WHERE rowid IN (SELECT rowid FROM commands_seen WHERE seen_at_ms < @cutoff LIMIT @limit)",
      now - policy.commandsSeenMaxAgeMs,
      chunk,
    );
  }
  return { readings, outbox, commandsSeen };
}

function deleteInChunks(sql: Sql, statement: string, cutoff: number, chunk: number): number {
  const stmt = sql.stmt<[{ cutoff: number; limit: number }]>(statement);
  let total = 0;
  for (;;) {
    const changes = sql.transaction(() => stmt.run({ cutoff, limit: chunk }).changes);
    total += changes;
    if (changes < chunk) return total;
  }
}

/** Deletes the oldest delivered rows of `table` until at most `keep` delivered rows remain. */
function trimToCount(sql: Sql, table: "readings" | "outbox", keep: number, chunk: number): number {
  const count = sql.stmt<[], { n: number }>(
    `SELECT count(*) AS n FROM ${table} WHERE delivered_at_ms IS NOT NULL`,
  );
  const trim = sql.stmt<[number]>(
    `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table}
       WHERE delivered_at_ms IS NOT NULL ORDER BY id LIMIT ?)`,
  );
  let total = 0;
  for (;;) {
    const excess = count.get()!.n - Math.max(0, Math.trunc(keep));
    if (excess <= 0) return total;
    total += sql.transaction(() => trim.run(Math.min(excess, chunk)).changes);
  }
}
