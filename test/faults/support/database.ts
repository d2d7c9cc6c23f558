/** Small read-only helpers over a gateway database file, for checks made from outside the service. */
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
