/**
 * Versioned migrations keyed on SQLite's `PRAGMA user_version`. Each migration and its version bump commit
 * in one transaction, so a crash or a failing statement leaves the file at the previous version, and
 * re-opening an up-to-date file runs nothing.
 */
import type { Database } from "better-sqlite3";
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** One schema step. `up` is SQL (several statements allowed) or a function for data migrations. */
export interface Migration {
  /** 1, 2, 3 ... without gaps; the file's `user_version` after this migration. */
  readonly version: number;
  readonly name: string;
  readonly up: string | ((db: Database) => void);
}

/** What {@link runMigrations} did. */
export interface MigrationResult {
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly applied: readonly string[];
}

/** Current schema version of the open file (0 for a new, empty file). */
export function schemaVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Brings the file up to the latest migration. Refuses a file written by a newer gateway (downgrade) rather
 * than running old code against a schema it does not know.
 */
export function runMigrations(db: Database, list: readonly Migration[]): MigrationResult {
  list.forEach((m, index) => {
    if (m.version !== index + 1) {
      throw new GatewayError(ErrorCode.Internal, "migrations must be numbered 1, 2, 3 ... in order", {
        index,
        version: m.version,
      });
    }
  });
  const fromVersion = schemaVersion(db);
  const latest = list.length;
  if (fromVersion > latest) {
    throw new GatewayError(
      ErrorCode.Internal,
      `database schema version ${fromVersion} is newer than this gateway supports (${latest})`,
      { fromVersion, latest },
    );
  }
  const applied: string[] = [];
  for (const migration of list.slice(fromVersion)) {
    db.transaction(() => {
      if (typeof migration.up === "string") db.exec(migration.up);
      else migration.up(db);
      // user_version lives in the file header, which is written inside the transaction like any page.
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    applied.push(`${migration.version} ${migration.name}`);
  }
  return { fromVersion, toVersion: schemaVersion(db), applied };
}
