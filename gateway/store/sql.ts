/**
 * Small helpers shared by the repositories: a prepared-statement cache and JSON column codecs.
 * Repositories take a {@link Sql} rather than a raw connection so every statement is prepared once
 * per connection and constructors stay free of work.
 */
import type { Database, Statement, Transaction } from "better-sqlite3";
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** Called when an after-commit or rollback callback throws; it must not throw itself. */
export type EffectErrorHandler = (error: unknown, phase: "afterCommit" | "onRollback") => void;

/** Callbacks registered inside one level ({@link Sql.transaction} or savepoint) of a unit of work. */
interface Frame {
  readonly afterCommit: Array<() => void>;
  readonly onRollback: Array<() => void>;
}

/** A connection plus a cache of statements prepared on it. */
export class Sql {
  private readonly cache = new Map<string, Statement>();
  /** See {@link Sql.cacheGeneration}. */
  private generation = 0;
  /** `PRAGMA data_version` when {@link Sql.cacheGeneration} last looked; -1 before the first look. */
  private seenDataVersion = -1;
  /** Whether the running transaction is an outermost {@link Sql.transaction} (not begun on `db` directly). */
  private inOwnTransaction = false;
  /**
   * Whether data_version was already read in it. Once is enough there: BEGIN IMMEDIATE holds the write
   * lock, so no other connection can commit until it ends.
   */
  private versionCheckedInTransaction = false;
  /** One frame per open {@link Sql.transaction} level, outermost first. */
  private readonly frames: Frame[] = [];
  /** See {@link Sql.transactionRunner}. */
  private runner: Transaction<(body: () => unknown) => unknown> | undefined;

  /**
   * @param onEffectError told about a throwing after-commit or rollback callback (which is isolated:
   *   it neither undoes a commit nor stops the callbacks after it)
   */
  constructor(
    readonly db: Database,
    private readonly onEffectError: EffectErrorHandler = () => {},
  ) {}

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
    const body = this.db.inTransaction ? fn : () => this.own(fn);
    const frame: Frame = { afterCommit: [], onRollback: [] };
    this.frames.push(frame);
    let result: T;
    try {
      result = this.transactionRunner().immediate(body) as T;
    } catch (error) {
      this.frames.pop();
      // Rows cached since the transaction (or savepoint) began may now be ahead of the database.
      this.generation++;
      this.runEffects(frame.onRollback.reverse(), "onRollback");
      throw error;
    }
    this.frames.pop();
    const parent = this.frames.at(-1);
    if (parent === undefined) {
      this.runEffects(frame.afterCommit, "afterCommit");
    } else {
      // A released savepoint is still undone if an enclosing level rolls back: hand both lists up.
      parent.afterCommit.push(...frame.afterCommit);
      parent.onRollback.push(...frame.onRollback);
    }
    return result;
  }

  /**
   * better-sqlite3's transaction wrapper, made once: `db.transaction(fn)` builds four closures and their
   * property sets on every call, which was several per cent of what a polling gateway allocates. The one
   * wrapper calls the body it is given, and picks BEGIN or SAVEPOINT by `db.inTransaction` at each call.
   */
  private transactionRunner(): Transaction<(body: () => unknown) => unknown> {
    this.runner ??= this.db.transaction((body: () => unknown) => body());
    return this.runner;
  }

  /**
   * Runs `fn` once the outermost {@link Sql.transaction} enclosing this call has committed (callbacks run
   * in the order registered); dropped if that level or any level around this call rolls back. For the
   * effects a unit of work causes outside the database: relay writes, publishes, timers. (A transaction
   * begun on the raw connection is not a level of the unit of work: nothing waits for its commit.)
   * @throws GatewayError(Internal) outside a {@link Sql.transaction}: there is no commit to wait for.
   */
  afterCommit(fn: () => void): void {
    this.currentFrame("afterCommit").afterCommit.push(fn);
  }

  /**
   * Runs `fn` when the level this call is in rolls back, or any level around it does (latest registered
   * first); dropped on commit. For undoing in-memory state that ran ahead of the database.
   * @throws GatewayError(Internal) outside a {@link Sql.transaction}.
   */
  onRollback(fn: () => void): void {
    this.currentFrame("onRollback").onRollback.push(fn);
  }

  private currentFrame(what: string): Frame {
    const frame = this.frames.at(-1);
    if (frame === undefined) {
      throw new GatewayError(ErrorCode.Internal, `${what} needs a unit of work (store.transaction)`, {
        what,
      });
    }
    return frame;
  }

  /** Each callback isolated: one that throws is reported and the rest still run. */
  private runEffects(callbacks: ReadonlyArray<() => void>, phase: "afterCommit" | "onRollback"): void {
    for (const callback of callbacks) {
      try {
        callback();
      } catch (error) {
        this.onEffectError(error, phase);
      }
    }
  }

  /** The body of an outermost transaction, marked as ours for {@link Sql.cacheGeneration}. */
  private own<T>(fn: () => T): T {
    this.inOwnTransaction = true;
    try {
      return fn();
    } finally {
      this.inOwnTransaction = false;
      this.versionCheckedInTransaction = false;
    }
  }

  /**
   * For a repository method's own atomic steps: a transaction of its own at top level, and inside a
   * caller's unit of work simply part of it. A failure propagates and rolls back the caller's unit (or
   * the caller's nested `store.transaction` savepoint, when it wraps the call to handle the error). A
   * savepoint per repository call cost a third of the charge path (npm run bench, figure 3).
   */
  atomic<T>(fn: () => T): T {
    return this.db.inTransaction ? fn() : this.transaction(fn);
  }

  /**
   * For repositories that cache rows: a number that changes whenever rows read or written earlier may no
   * longer match the database, because a transaction (or savepoint) of this connection rolled back or
   * another connection (the CLI, a maintenance tool) committed. Undefined outside a transaction, where a
   * cache must not be used: nothing stops another connection from committing between two reads. Inside
   * one it reads `PRAGMA data_version` (well under a microsecond there; outside a transaction it costs
   * several), once per {@link Sql.transaction} and on every call in a transaction begun on `db` directly.
   */
  cacheGeneration(): number | undefined {
    if (!this.db.inTransaction) return undefined;
    if (this.versionCheckedInTransaction) return this.generation;
    const dataVersion = this.stmt<[], number>("PRAGMA data_version").pluck().get()!;
    if (dataVersion !== this.seenDataVersion) {
      this.seenDataVersion = dataVersion;
      this.generation++;
    }
    // Only a transaction begun here resets the flag when it ends.
    this.versionCheckedInTransaction = this.inOwnTransaction;
    return this.generation;
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
export { wholeMs } from "../../core/clock.ts";

/** Throws the store's "not found" error; used where a missing row means a caller bug, not a user error. */
export function notFound(what: string, id: string | number): never {
  throw new GatewayError(ErrorCode.Internal, `${what} ${id} does not exist`, { what, id });
}
