/**
 * Small read-only helpers over a gateway database file, for checks made from outside the service, and
 * the progress a scenario watches while the service runs (WAL lets a reader look while it writes).
 * What the ledger holds after a run is in test/helpers/faults/billing-facts.ts.
 */
import Database from "better-sqlite3";

/** An open database. */
export type Db = Database.Database;

/** The single value of the first row (`undefined` when there is none). */
export function one<T>(db: Db, sql: string, ...params: unknown[]): T {
  return db
    .prepare(sql)
    .pluck()
    .get(...params) as T;
}

/** Every row as an object. */
export function rows<T>(db: Db, sql: string, ...params: unknown[]): T[] {
  return db.prepare(sql).all(...params) as T[];
}

/** Runs `read` on `file` opened read-only (a WAL reader beside a running gateway), then closes it. */
export function readDb<T>(file: string, read: (db: Db) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Readings committed so far; light enough to read while the gateway runs. */
export function readingCount(file: string): number {
  return readDb(file, (db) => one<number>(db, "SELECT count(*) FROM readings"));
}

/** Delivery progress: outbox records the broker has not acknowledged, and each stream's last seq. */
export function outboxProgress(file: string): { pending: number; lastSeq: Record<string, number> } {
  return readDb(file, (db) => {
    const lastSeq: Record<string, number> = {};
    for (const row of rows<{ stream: string; last_seq: number }>(
      db,
      "SELECT stream, last_seq FROM stream_seq",
    ))
      lastSeq[row.stream] = row.last_seq;
    return { pending: one<number>(db, "SELECT count(*) FROM outbox WHERE delivered_at_ms IS NULL"), lastSeq };
  });
}

/** Highest row ids so far: marks "before the fault" in later queries. */
export interface Marks {
  readonly readingId: number;
  readonly eventId: number;
}

/** One clock.anomaly event. */
export interface ClockEvent {
  readonly id: number;
  readonly meterId: string;
  /** wall-jump, wall-backwards, monotonic-reset, wall-implausible. */
  readonly anomaly: string;
}

/** The highest reading and event ids now. */
export function marks(file: string): Marks {
  return readDb(file, (db) => ({
    readingId: one<number>(db, "SELECT coalesce(max(id), 0) FROM readings"),
    eventId: one<number>(db, "SELECT coalesce(max(id), 0) FROM events"),
  }));
}

/** clock.anomaly events after `eventId`, oldest first. */
export function clockEventsAfter(file: string, eventId: number): ClockEvent[] {
  return readDb(file, (db) =>
    rows<{ id: number; meter_id: string; payload_json: string }>(
      db,
      "SELECT id, meter_id, payload_json FROM events WHERE type = 'clock.anomaly' AND id > ?",
      eventId,
    ).map((row) => ({
      id: row.id,
      meterId: row.meter_id,
      anomaly: String((JSON.parse(row.payload_json) as { data?: { anomaly?: unknown } }).data?.anomaly),
    })),
  );
}

/** Per meter, how many of its readings after `readingId` were charged. */
export function chargesAfter(file: string, readingId: number): Map<string, number> {
  return readDb(
    file,
    (db) =>
      new Map(
        rows<{ meterId: string; n: number }>(
          db,
          `SELECT r.meter_id AS meterId, count(*) AS n FROM ledger l JOIN readings r ON r.id = l.reading_id
           WHERE l.kind = 'charge' AND l.reading_id > ? GROUP BY r.meter_id`,
          readingId,
        ).map((row) => [row.meterId, row.n]),
      ),
  );
}

/** Readings stored after `readingId`. */
export function readingsAfter(file: string, readingId: number): number {
  return readDb(file, (db) => one<number>(db, "SELECT count(*) FROM readings WHERE id > ?", readingId));
}
