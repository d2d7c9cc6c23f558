import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { migrations } from "./schema.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

describe("integrity and backup", () => {
  it("reports ok for a healthy file", () => {
    const store = temp.open();
    store.outbox.enqueue("events", "e1", {});
    expect(store.integrityCheck()).toEqual({ ok: true });
  });

  it("reports problems instead of ok when a foreign key points nowhere", () => {
    const store = temp.open();
    store.db.pragma("foreign_keys = OFF");
    store.db
      .prepare(
        "INSERT INTO readings (meter_id, at_ms, mono_ms, energy_wh, outbox_id) VALUES ('m', 0, 0, 1, 42)",
      )
      .run();
    store.db.pragma("foreign_keys = ON");
    const report = store.integrityCheck();
    expect(report.ok).toBe(false);
    expect(report.ok ? [] : report.problems).toEqual([
      "foreign key: readings row 1 references missing outbox",
    ]);
  });

  it("writes a consistent copy that opens as a gateway database, replacing an older backup", () => {
    const store = temp.open();
    store.outbox.enqueue("billing", "b1", { amount: 1 });
    const target = path.join(temp.dir(), "backup.db");
    fs.writeFileSync(target, "stale");
    store.backup(target);
    store.outbox.enqueue("billing", "b2", {});
    const copy = new Database(target, { readonly: true });
    expect(copy.prepare("SELECT idem_key FROM outbox").pluck().all()).toEqual(["b1"]);
    expect(copy.pragma("user_version", { simple: true })).toBe(migrations.length);
    expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
    copy.close();
    expect(fs.readdirSync(path.dirname(target))).toEqual(["backup.db"]);
  });

  it("refuses to back up from inside a unit of work", () => {
    const store = temp.open();
    const target = path.join(temp.dir(), "b.db");
    expect(() => store.transaction((tx) => tx.backup(target))).toThrow(/inside a transaction/);
    expect(fs.existsSync(target)).toBe(false);
  });
});
