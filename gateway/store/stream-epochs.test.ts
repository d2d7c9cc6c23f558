/** Stream epochs in a real SQLite file: created with the database, and by migration v4 for an existing one. */
import { afterEach, describe, expect, it } from "vitest";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { migrations } from "./schema.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

describe("stream epochs", () => {
  it("a new database gets one random epoch covering every record; two databases get two", () => {
    const a = temp.open();
    const b = temp.open();
    const [epoch] = a.streamEpochs.list();
    expect(epoch!.epoch).toMatch(/^[0-9a-f]{16}$/);
    expect(epoch).toMatchObject({ afterOutboxId: 0, firstSeq: {} });
    expect(b.streamEpochs.list()[0]!.epoch).not.toBe(epoch!.epoch);
  });

  it("an existing database (schema v3) gets its epoch by migration and keeps its records and seqs", () => {
    const dataDir = temp.dir();
    const old = temp.open({ dataDir, migrations: migrations.slice(0, 3) });
    old.outbox.enqueue("billing", "topup:A-1:1", { n: 1 });
    old.outbox.enqueue("billing", "topup:A-1:2", { n: 2 });
    old.close();
    const upgraded = temp.open({ dataDir });
    expect(upgraded.migration.applied[0]).toBe("4 stream epochs");
    expect(upgraded.streamEpochs.list()).toEqual([
      expect.objectContaining({ afterOutboxId: 0, firstSeq: {} }),
    ]);
    expect(upgraded.outbox.lastSeq("billing")).toBe(2);
    expect(upgraded.outboxIdAtOpen).toBe(2);
  });

  it("a new epoch starts after an outbox id; epochs are never changed or deleted", () => {
    const store = temp.open();
    const next = store.streamEpochs.start(5, { billing: 4 });
    expect(store.streamEpochs.list().map((e) => [e.afterOutboxId, e.firstSeq])).toEqual([
      [0, {}],
      [5, { billing: 4 }],
    ]);
    expect(next.epoch).toMatch(/^[0-9a-f]{16}$/);
    expect(() => store.db.exec("UPDATE stream_epochs SET after_outbox_id = 1")).toThrow(/never changed/);
    expect(() => store.db.exec("DELETE FROM stream_epochs")).toThrow(/never deleted/);
  });
});
