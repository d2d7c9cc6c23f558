import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { isGatewayError } from "../../core/errors.ts";
import type { Migration } from "./migrations.ts";
import { migrations } from "./schema.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

const tables = [
  "accounts",
  "commands_seen",
  "events",
  "kv",
  "ledger",
  "ledger_orders",
  "meter_states",
  "outbox",
  "readings",
  "relay_ops",
  "stream_epochs",
  "stream_seq",
  "tariffs",
];

function tableNames(db: Database.Database): string[] {
  return db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
}

describe("openStore", () => {
  it("creates gateway.db in the data directory and migrates a fresh file to the latest version", () => {
    const dataDir = path.join(temp.dir(), "nested", "data");
    const store = temp.open({ dataDir });
    expect(store.file).toBe(path.join(dataDir, "gateway.db"));
    expect(fs.existsSync(store.file)).toBe(true);
    expect(store.migration).toEqual({
      fromVersion: 0,
      toVersion: migrations.length,
      applied: migrations.map((m) => `${m.version} ${m.name}`),
    });
    expect(store.schemaVersion()).toBe(migrations.length);
    expect(tableNames(store.db)).toEqual(tables);
  });

  it("re-opens an up-to-date file without running anything and keeps its data", () => {
    const dataDir = temp.dir();
    const first = temp.open({ dataDir });
    first.kv.set("marker", { kept: true });
    first.close();
    const second = temp.open({ dataDir });
    expect(second.migration).toEqual({
      fromVersion: migrations.length,
      toVersion: migrations.length,
      applied: [],
    });
    expect(second.kv.get("marker")).toEqual({ kept: true });
  });

  it("sets WAL, synchronous=FULL, foreign keys and a busy timeout on every open", () => {
    const dataDir = temp.dir();
    const expected = { journalMode: "wal", synchronous: 2, foreignKeys: true, busyTimeoutMs: 5000 };
    const first = temp.open({ dataDir });
    expect(first.pragmas()).toEqual(expected);
    first.close();
    // The trap this guards against: a plain later open of the WAL file gets NORMAL (DOMAIN.md section 7).
    const plain = new Database(path.join(dataDir, "gateway.db"));
    expect(plain.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(plain.pragma("synchronous", { simple: true })).toBe(1);
    plain.close();
    for (let i = 0; i < 2; i++) {
      const again = temp.open({ dataDir, busyTimeoutMs: 250 });
      expect(again.pragmas()).toEqual({ ...expected, busyTimeoutMs: 250 });
      again.close();
    }
  });

  it("rolls back a failing migration entirely and leaves the version where it was", () => {
    const dataDir = temp.dir();
    temp.open({ dataDir }).close();
    const broken: Migration[] = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: "half",
        up: "CREATE TABLE half_done (x INTEGER) STRICT; INSERT INTO no_such_table VALUES (1);",
      },
    ];
    expect(() => temp.open({ dataDir, migrations: broken })).toThrow(/no_such_table/);
    const store = temp.open({ dataDir });
    expect(store.schemaVersion()).toBe(migrations.length);
    expect(tableNames(store.db)).not.toContain("half_done");
  });

  it("applies a later migration on re-open, once", () => {
    const dataDir = temp.dir();
    temp.open({ dataDir }).close();
    const next: Migration[] = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: "add column",
        up: (db) => db.exec("ALTER TABLE tariffs ADD COLUMN note TEXT"),
      },
    ];
    const upgraded = temp.open({ dataDir, migrations: next });
    expect(upgraded.migration.applied).toEqual([`${migrations.length + 1} add column`]);
    upgraded.close();
    expect(temp.open({ dataDir, migrations: next }).migration.applied).toEqual([]);
  });

  it("refuses a file written by a newer gateway", () => {
    const dataDir = temp.dir();
    const store = temp.open({ dataDir });
    store.db.pragma("user_version = 99");
    store.close();
    let caught: unknown;
    try {
      temp.open({ dataDir });
    } catch (error) {
      caught = error;
    }
    expect(isGatewayError(caught)).toBe(true);
    expect(String(caught)).toMatch(/newer than this gateway supports/);
  });

  it("rejects a migration list with a gap", () => {
    const gap: Migration[] = [{ version: 2, name: "skipped one", up: "SELECT 1" }];
    expect(() => temp.open({ migrations: gap })).toThrow(/numbered/);
  });
});
