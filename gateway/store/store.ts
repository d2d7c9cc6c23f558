/**
 * The gateway database: one SQLite file under the data directory, opened with verified durability
 * settings and migrated to the current schema. {@link Store.transaction} is the unit of work: a state
 * change and the outbox records it causes commit together or not at all.
 */
import path from "node:path";
import type { Database } from "better-sqlite3";
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import { ensureDataDir } from "./data-dir.ts";
import { AccountRepository } from "./accounts.ts";
import type { ConnectionPragmas } from "./open-database.ts";
import { openConnection, readPragmas } from "./open-database.ts";
import { EventRepository } from "./event-store.ts";
import { LedgerRepository } from "./ledger.ts";
import { LifecycleRepository } from "./lifecycle.ts";
import type { IntegrityReport } from "./maintenance.ts";
import { backupTo, checkIntegrity } from "./maintenance.ts";
import { CommandsSeenRepository, KvRepository } from "./meta.ts";
import { MeterStateRepository } from "./meter-states.ts";
import type { Migration, MigrationResult } from "./migrations.ts";
import { runMigrations, schemaVersion } from "./migrations.ts";
import { ReadingRepository } from "./readings.ts";
import { RelayOpRepository } from "./relay-ops.ts";
import type { RetentionPolicy, RetentionResult } from "./retention.ts";
import { applyRetention } from "./retention.ts";
import { migrations as defaultMigrations } from "./schema.ts";
import { Sql } from "./sql.ts";
import { SqliteOutbox } from "./sqlite-outbox.ts";
import { StreamEpochRepository } from "./stream-epochs.ts";
import { TariffRepository } from "./tariffs.ts";

/** Default database file name inside the data directory. */
export const defaultDbFileName = "gateway.db";

/** Options for {@link openStore}. */
export interface StoreOptions {
  /** Directory holding the database; created if missing (refused, naming `gateway.dataDir`, if it cannot be). */
  readonly dataDir: string;
  readonly clock: Clock;
  /** File name inside `dataDir`: default `gateway.db`. */
  readonly fileName?: string;
  /** Wait for another connection's lock, ms: 0..60000, default 5000. */
  readonly busyTimeoutMs?: number;
  /** Schema to migrate to; only tests pass anything but the default. */
  readonly migrations?: readonly Migration[];
  /** Told about after-commit and rollback callbacks that throw; default: none (they are isolated anyway). */
  readonly logger?: Logger;
}

/** The open database and its repositories. */
export class Store {
  readonly readings: ReadingRepository;
  readonly accounts: AccountRepository;
  readonly tariffs: TariffRepository;
  readonly ledger: LedgerRepository;
  readonly relayOps: RelayOpRepository;
  readonly events: EventRepository;
  readonly outbox: SqliteOutbox;
  readonly commandsSeen: CommandsSeenRepository;
  readonly kv: KvRepository;
  /** Each meter's billing state (the prepaid engine's, gateway/billing/state.ts). */
  readonly meterStates: MeterStateRepository;
  readonly streamEpochs: StreamEpochRepository;
  /** Customer numbers, closed accounts, and the order numbers of top-ups and refunds (issue 16). */
  readonly lifecycle: LifecycleRepository;
  private readonly sql: Sql;

  constructor(
    /** Absolute path of the database file. */
    readonly file: string,
    /** The raw connection, for tests and diagnostics; features use the repositories. */
    readonly db: Database,
    private readonly clock: Clock,
    /** What the migration step did at open. */
    readonly migration: MigrationResult,
    /**
     * The highest outbox id when the file was opened: records above it were made by this run (the uplink
     * starts a new stream epoch there when the file proves older than what was published).
     */
    readonly outboxIdAtOpen: number,
    logger?: Logger,
  ) {
    this.sql = new Sql(db, (error, phase) =>
      logger?.error({ err: error, phase }, `a ${phase} callback of a unit of work failed`),
    );
    this.readings = new ReadingRepository(this.sql);
    this.accounts = new AccountRepository(this.sql, clock);
    this.tariffs = new TariffRepository(this.sql, clock);
    this.ledger = new LedgerRepository(this.sql, clock, this.accounts);
    this.relayOps = new RelayOpRepository(this.sql, clock);
    this.events = new EventRepository(this.sql, clock);
    this.outbox = new SqliteOutbox(this.sql, clock);
    this.commandsSeen = new CommandsSeenRepository(this.sql, clock);
    this.kv = new KvRepository(this.sql, clock);
    this.meterStates = new MeterStateRepository(this.sql, clock);
    this.streamEpochs = new StreamEpochRepository(this.sql, clock);
    this.lifecycle = new LifecycleRepository(this.sql, clock);
  }

  /**
   * Runs `fn` as one unit of work: everything it writes through the repositories commits together, or all
   * of it rolls back when `fn` throws (including outbox sequence numbers, so no gap appears). `fn` must be
   * synchronous: a SQLite transaction cannot span an `await`, and a returned promise is rejected.
   * Nested calls become savepoints. Effects outside the database go through {@link Store.afterCommit}.
   */
  transaction<T>(fn: (store: this) => T): T {
    return this.sql.transaction(() => fn(this));
  }

  /**
   * Like {@link Store.transaction}, but inside a caller's unit of work it joins that unit instead of
   * opening a savepoint: a failure rolls the caller's whole unit back, and `afterCommit`/`onRollback`
   * callbacks belong to the caller's level. For steps that are all-or-nothing with their caller anyway
   * (billing a batch the caller just stored): a savepoint journals every page it changes that the caller
   * had already changed, and past 64 KiB SQLite spills that journal to a temp file and pays a write
   * syscall per page for the rest of the transaction (issue 13: about 13 per reading in figure 3a).
   */
  atomic<T>(fn: (store: this) => T): T {
    return this.db.inTransaction ? fn(this) : this.transaction(fn);
  }

  /**
   * Call inside {@link Store.transaction}: runs `fn` after the OUTERMOST unit of work around this call has
   * committed, in registration order; never if it (or any savepoint around this call) rolls back. A
   * callback that throws is logged and isolated: the commit stands and later callbacks still run.
   * Relay writes, publishes and timers caused by a unit of work belong here, so a savepoint that
   * returned cannot act for a caller that later rolls back.
   */
  afterCommit(fn: () => void): void {
    this.sql.afterCommit(fn);
  }

  /**
   * Call inside {@link Store.transaction}: runs `fn` if the level this call is in, or any level around
   * it, rolls back (latest registered first); dropped on commit. For in-memory state that ran ahead.
   */
  onRollback(fn: () => void): void {
    this.sql.onRollback(fn);
  }

  /** Durability settings as the connection reports them. */
  pragmas(): ConnectionPragmas {
    return readPragmas(this.db);
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** `PRAGMA integrity_check` plus a foreign key check. */
  integrityCheck(): IntegrityReport {
    return checkIntegrity(this.db);
  }

  /** Writes a consistent snapshot to `toFile` (VACUUM INTO), replacing it atomically. */
  backup(toFile: string): void {
    backupTo(this.db, toFile);
  }

  /** Evicts delivered, replaceable rows per `policy`; audit tables are never touched. */
  applyRetention(policy: RetentionPolicy): RetentionResult {
    return applyRetention(this.sql, this.clock, policy);
  }

  /**
   * `PRAGMA wal_checkpoint(TRUNCATE)`: copies the WAL into the database file and truncates the WAL to
   * zero bytes. SQLite only ever reuses its WAL; on a full disk this is what gives its space back.
   * Must run outside a transaction. `busy` when a reader kept it from finishing.
   */
  checkpointTruncate(): { busy: boolean; walFrames: number; checkpointedFrames: number } {
    const [row] = this.db.pragma("wal_checkpoint(TRUNCATE)") as Array<{
      busy: number;
      log: number;
      checkpointed: number;
    }>;
    return { busy: row?.busy === 1, walFrames: row?.log ?? 0, checkpointedFrames: row?.checkpointed ?? 0 };
  }

  close(): void {
    if (!this.db.open) return;
    try {
      // Lets SQLite refresh planner statistics it found stale during this run (cheap, bounded by design).
      this.db.pragma("optimize");
    } catch {
      // It writes statistics: on a full disk it fails, and the close must still happen.
    }
    this.db.close();
  }
}

/** Opens (creating if needed) the gateway database in `options.dataDir` and migrates it. */
export function openStore(options: StoreOptions): Store {
  ensureDataDir(options.dataDir);
  const file = path.resolve(options.dataDir, options.fileName ?? defaultDbFileName);
  const db = openConnection(file, { busyTimeoutMs: options.busyTimeoutMs });
  try {
    const migration = runMigrations(db, options.migrations ?? defaultMigrations);
    const outboxIdAtOpen =
      (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").pluck().get() as
        number | undefined) ?? 0;
    return new Store(file, db, options.clock, migration, outboxIdAtOpen, options.logger);
  } catch (error) {
    db.close();
    throw error;
  }
}
