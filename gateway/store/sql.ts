/**
 * Small helpers shared by the repositories: a prepared-statement cache and JSON column codecs.
 * Repositories take a {@link Sql} rather than a raw connection so every statement is prepared once
 * per connection and constructors stay free of work.
 */
import type { Database, Statement } from "better-sqlite3";
import { ErrorCode, GatewayError } from "../core/errors.ts";

/** A connection plus a cache of statements prepared on it. */
export class Sql {
  private readonly cache = new Map<string, Statement>();

  constructor(readonly db: Database) {}

  /** The statement for `source`, prepared on first use. */
  stmt<Params extends unknown[] = unknown[], Row = unknown>(source: string): Statement<Params, Row> {
    let statement = this.cache.get(source);
    if (statement === undefined) {
      statement = this.db.prepare(source);
      this.cache.set(source, statement);
    }
    return statement as unknown as Statement<Params, Row>;
  }

  /**
   * Runs `fn` atomically. At top level this is BEGIN IMMEDIATE (take the write lock up front, so a second
   * connection such as the CLI cannot deadlock us on a read-to-write upgrade); nested calls become
   * savepoints, so a repository method that is itself atomic composes into a caller's unit of work.
   */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * For a repository method's own atomic steps: a transaction of its own at top level, and inside a
   * caller's unit of work simply part of it. A failure propagates and rolls back the caller's unit (or
   * the caller's nested `store.transaction` savepoint, when it wraps the call to handle the error). A
   * savepoint per repository call cost a third of the charge path (npm run bench, figure 3).
   */
  atomic<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.db.transaction(fn).immediate();
  }
}

/** Serialises a value for a JSON column; `undefined` is stored as SQL NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Parses a JSON column written by {@link toJson}. */
export function fromJson(text: string | null): unknown {
  return text === null ? undefined : (JSON.parse(text) as unknown);
}

/** Monotonic clocks give fractional milliseconds; storage keeps whole ones (INTEGER columns are STRICT). */
export function wholeMs(ms: number): number {
  return Math.floor(ms);
}

/** Throws the store's "not found" error; used where a missing row means a caller bug, not a user error. */
export function notFound(what: string, id: string | number): never {
  throw new GatewayError(ErrorCode.Internal, `${what} ${id} does not exist`, { what, id });
}
