/**
 * Opening a connection with the durability settings the gateway depends on. These are applied and
 * verified on every open, never assumed from the file: better-sqlite3 is built with
 * SQLITE_DEFAULT_WAL_SYNCHRONOUS=1, so only the connection that first switches a file to WAL keeps
 * synchronous=FULL and every later open silently gets NORMAL, which can lose the last commits on power
 * loss (DOMAIN.md section 7).
 */
import Database from "better-sqlite3";
import type { Database as Connection } from "better-sqlite3";
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** Connection tuning. */
export interface ConnectionOptions {
  /** How long a statement waits for another connection's lock, ms: 0..60000, default 5000. */
  readonly busyTimeoutMs?: number;
  /** WAL size the file is truncated back to after a checkpoint, bytes: default 64 MiB. */
  readonly journalSizeLimitBytes?: number;
  /**
   * SQLite page cache of this connection, KiB: default 2048. better-sqlite3 is built with 16 MiB,
   * which on a 1,000-meter gateway is a sixth of its memory; the kernel's file cache (reclaimable,
   * outside the process) serves the rest. Ingest costs the same CPU per row with 2 MiB as with 4
   * (docs/bench.md, "Memory, second round"), and the gateway stays under its 100 MiB budget.
   */
  readonly cacheSizeKiB?: number;
  /**
   * WAL pages after which a commit checkpoints them into the database file: default 4000 (16 MiB at 4 KiB
   * pages; SQLite's own default is 1000). A charged reading changes pages spread over the file (each
   * meter's index leaf, its account, its state), and a busy gateway writes most of them again in the next
   * batches: checkpointing every 4,000 pages copies each such page once where it was copied about every
   * second batch, and fsyncs the database a quarter as often. Figure 3a: about 8 % less time per batch,
   * with no longer worst batch (docs/bench.md, "Charge path, fifth round").
   */
  readonly walAutocheckpointPages?: number;
}

/** WAL pages per automatic checkpoint (see {@link ConnectionOptions.walAutocheckpointPages}). */
export const DEFAULT_WAL_AUTOCHECKPOINT_PAGES = 4000;

/** Page cache per connection, KiB (see {@link ConnectionOptions.cacheSizeKiB}). */
export const DEFAULT_CACHE_KIB = 2048;

/** The settings every connection must report after open. */
export interface ConnectionPragmas {
  readonly journalMode: string;
  /** 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
  readonly synchronous: number;
  readonly foreignKeys: boolean;
  readonly busyTimeoutMs: number;
}

/** Reads the pragmas that matter for durability from an open connection. */
export function readPragmas(db: Connection): ConnectionPragmas {
  return {
    journalMode: db.pragma("journal_mode", { simple: true }) as string,
    synchronous: db.pragma("synchronous", { simple: true }) as number,
    foreignKeys: db.pragma("foreign_keys", { simple: true }) === 1,
    busyTimeoutMs: db.pragma("busy_timeout", { simple: true }) as number,
  };
}

/** Opens `file` (created if missing) in WAL mode with synchronous=FULL and foreign keys on. */
export function openConnection(file: string, options: ConnectionOptions = {}): Connection {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const db = new Database(file);
  try {
    // busy_timeout first, so switching the journal mode waits for a concurrent reader instead of failing.
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma(`cache_size = -${Math.trunc(options.cacheSizeKiB ?? DEFAULT_CACHE_KIB)}`);
    db.pragma(
      `wal_autocheckpoint = ${Math.trunc(options.walAutocheckpointPages ?? DEFAULT_WAL_AUTOCHECKPOINT_PAGES)}`,
    );
    db.pragma(`journal_size_limit = ${Math.trunc(options.journalSizeLimitBytes ?? 64 * 1024 * 1024)}`);
    const actual = readPragmas(db);
    if (actual.journalMode !== "wal" || actual.synchronous !== 2 || !actual.foreignKeys) {
      throw new GatewayError(ErrorCode.Internal, "database refused the durability settings", {
        file,
        actual,
      });
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
