/**
 * Integrity checking and online backups. `VACUUM INTO` writes a compact, consistent snapshot while the
 * gateway keeps running; the copy is written under a temporary name, fsynced and renamed into place so a
 * crash mid-backup never leaves a truncated file under the backup's name.
 */
import fs from "node:fs";
import path from "node:path";
import type { Database } from "better-sqlite3";
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** Result of {@link checkIntegrity}. */
export type IntegrityReport =
  { readonly ok: true } | { readonly ok: false; readonly problems: readonly string[] };

/** Runs `PRAGMA integrity_check` and `PRAGMA foreign_key_check`; reports at most `maxProblems` (default 100). */
export function checkIntegrity(db: Database, maxProblems = 100): IntegrityReport {
  const problems: string[] = [];
  const rows = db
    .prepare(`PRAGMA integrity_check(${Math.max(1, Math.trunc(maxProblems))})`)
    .pluck()
    .all() as string[];
  if (!(rows.length === 1 && rows[0] === "ok")) problems.push(...rows);
  const fkRows = db.prepare("PRAGMA foreign_key_check").all() as Array<{
    table: string;
    rowid: number;
    parent: string;
  }>;
  for (const fk of fkRows)
    problems.push(`foreign key: ${fk.table} row ${fk.rowid} references missing ${fk.parent}`);
  return problems.length === 0 ? { ok: true } : { ok: false, problems: problems.slice(0, maxProblems) };
}

/** Writes a consistent copy of the database to `toFile`, replacing any file of that name atomically. */
export function backupTo(db: Database, toFile: string): void {
  if (db.inTransaction) {
    throw new GatewayError(ErrorCode.Internal, "backup cannot run inside a transaction", { toFile });
  }
  const target = path.resolve(toFile);
  const temp = `${target}.tmp-${process.pid}`;
  fs.rmSync(temp, { force: true });
  try {
    db.prepare("VACUUM INTO ?").run(temp);
    fsyncPath(temp);
    fs.renameSync(temp, target);
    fsyncPath(path.dirname(target)); // make the rename itself durable
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

function fsyncPath(p: string): void {
  const fd = fs.openSync(p, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
