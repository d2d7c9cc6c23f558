/**
 * Restoring the database from a backup, with the service stopped (the caller holds the data directory's
 * lock). The backup is verified first, read-only: a SQLite file, `PRAGMA integrity_check` and foreign
 * keys clean, a meter-gateway schema this version can open (older ones are migrated at the next start;
 * newer ones are refused). Only then is the current database checkpointed (its WAL folded in) and
 * copied to `backups/replaced-<time>.db` (nothing is deleted), and the backup copied in under a
 * temporary name, fsynced and renamed over it in one step, so a crash leaves either the old database or
 * the restored one. A current database too damaged to checkpoint has its WAL moved aside with its copy.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { checkIntegrity } from "./maintenance.ts";
import { schemaVersion } from "./migrations.ts";
import { migrations } from "./schema.ts";
import { defaultDbFileName } from "./store.ts";

/** What a verified backup is. */
export interface VerifiedBackup {
  readonly file: string;
  readonly bytes: number;
  /** Its schema version (PRAGMA user_version). */
  readonly schemaVersion: number;
  /** The schema version this gateway writes; a lower one is migrated at the next start. */
  readonly latestVersion: number;
}

/** Tables a meter-gateway database has from its first schema on. */
const requiredTables = ["accounts", "ledger", "events", "outbox", "readings"];

const refuse = (file: string, why: string) =>
  new GatewayError(ErrorCode.ConfigInvalid, `${file} cannot be restored: ${why}; nothing was changed`, {
    file,
  });

/** Verifies `file` as a gateway backup, read-only; throws CONFIG_INVALID saying what is wrong. */
export function verifyBackup(file: string): VerifiedBackup {
  let bytes: number;
  try {
    bytes = fs.statSync(file).size;
  } catch (error) {
    throw refuse(file, `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw refuse(file, `it does not open as a SQLite database (${(error as Error).message})`);
  }
  try {
    return checkOpened(db, file, bytes);
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    // SQLite reports a damaged file on the first read of a bad page: SQLITE_CORRUPT, SQLITE_NOTADB.
    throw refuse(file, `it is damaged (${(error as Error).message})`);
  } finally {
    db.close();
  }
}

function checkOpened(db: Database.Database, file: string, bytes: number): VerifiedBackup {
  const integrity = checkIntegrity(db, 5);
  if (!integrity.ok) throw refuse(file, `integrity check failed: ${integrity.problems.join("; ")}`);
  const version = schemaVersion(db);
  const latestVersion = migrations.length;
  if (version > latestVersion)
    throw refuse(
      file,
      `it was written by a newer gateway (schema version ${version}; this one knows up to ${latestVersion}): upgrade first`,
    );
  const tables = new Set(
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
  );
  const missing = requiredTables.filter((t) => !tables.has(t));
  if (version === 0 || missing.length > 0)
    throw refuse(
      file,
      `it is not a meter-gateway database (schema version ${version}, missing ${missing.join(", ") || "nothing"})`,
    );
  return { file, bytes, schemaVersion: version, latestVersion };
}

/** Where the replaced database went, and the restored file. */
export interface RestoreResult {
  /** The database set aside (with its -wal and -shm, if any); undefined when there was none. */
  readonly replacedBy: string | undefined;
  readonly database: string;
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Folds the WAL into the database file and removes it, so the file alone is the whole database and a
 * rename over it cannot be mixed with a stale WAL. False when the database cannot be opened.
 */
function checkpoint(database: string): boolean {
  try {
    const db = new Database(database, { fileMustExist: true });
    try {
      db.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      db.close();
    }
    return !fs.existsSync(`${database}-wal`);
  } catch {
    return false;
  }
}

/** Copies the current database (and moves a WAL that could not be folded in) to `replacedBy`. */
function setAside(database: string, replacedBy: string): void {
  fs.mkdirSync(path.dirname(replacedBy), { recursive: true });
  const folded = checkpoint(database);
  fs.copyFileSync(database, replacedBy);
  fsyncPath(replacedBy);
  if (!folded)
    for (const suffix of ["-wal", "-shm"])
      if (fs.existsSync(`${database}${suffix}`))
        fs.renameSync(`${database}${suffix}`, `${replacedBy}${suffix}`);
  fsyncPath(path.dirname(replacedBy));
}

/**
 * Puts the verified backup in place of `dataDir`'s database. Call with the data directory locked and
 * after {@link verifyBackup}. `stamp` names the set-aside copy (e.g. 20261201T183000).
 */
export function restoreDatabase(dataDir: string, backup: VerifiedBackup, stamp: string): RestoreResult {
  const database = path.join(dataDir, defaultDbFileName);
  const temp = `${database}.restore-${process.pid}`;
  fs.copyFileSync(backup.file, temp);
  fsyncPath(temp);
  let replacedBy: string | undefined;
  if (fs.existsSync(database)) {
    replacedBy = path.join(dataDir, "backups", `replaced-${stamp}.db`);
    setAside(database, replacedBy);
  }
  fs.renameSync(temp, database);
  fs.rmSync(`${database}-shm`, { force: true });
  fsyncPath(dataDir);
  return { replacedBy, database };
}
