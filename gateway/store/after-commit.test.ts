/**
 * The unit of work's effect hooks on a real SQLite file: afterCommit callbacks run only after the
 * outermost commit and never after a rollback of any level around them; onRollback is the mirror image.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { createLogger } from "../../core/logger.ts";
import type { Store } from "./store.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

/** A store whose log lines are kept, and a journal of what ran. */
function setup() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const store = temp.open({ logger: createLogger({ level: "error", destination }) });
  const ran: string[] = [];
  const effect = (name: string) => () => void ran.push(name);
  const keys = () => store.outbox.fetchUndelivered("events", { limit: 10 }).map((r) => r.key);
  return { store, ran, effect, lines, keys };
}

function fail(message: string): never {
  throw new Error(message);
}

describe("unit of work: afterCommit / onRollback", () => {
  it("runs callbacks registered at every level once, in order, only after the outermost commit", () => {
    const { store, ran, effect, keys } = setup();
    store.transaction((tx) => {
      tx.afterCommit(effect("outer-1"));
      tx.transaction((inner) => {
        inner.afterCommit(effect("savepoint"));
        inner.transaction((deepest) => deepest.afterCommit(effect("nested savepoint")));
        inner.outbox.enqueue("events", "inner", {});
      });
      // The savepoints have been released, but nothing has committed yet.
      expect(ran).toEqual([]);
      tx.afterCommit(effect("outer-2"));
    });
    expect(ran).toEqual(["outer-1", "savepoint", "nested savepoint", "outer-2"]);
    expect(keys()).toEqual(["inner"]);
  });

  it("drops only what was registered inside a savepoint that rolls back", () => {
    const { store, ran, effect, keys } = setup();
    store.transaction((tx) => {
      tx.afterCommit(effect("kept"));
      tx.outbox.enqueue("events", "kept", {});
      expect(() =>
        tx.transaction((inner) => {
          inner.afterCommit(effect("dropped"));
          inner.onRollback(effect("undo savepoint"));
          inner.outbox.enqueue("events", "dropped", {});
          fail("savepoint fails");
        }),
      ).toThrow("savepoint fails");
      expect(ran).toEqual(["undo savepoint"]);
    });
    expect(ran).toEqual(["undo savepoint", "kept"]);
    expect(keys()).toEqual(["kept"]);
  });

  it("drops everything, savepoints included, when the outermost transaction rolls back", () => {
    const { store, ran, effect, keys } = setup();
    expect(() =>
      store.transaction((tx) => {
        tx.afterCommit(effect("outer"));
        tx.onRollback(effect("undo outer"));
        tx.transaction((inner) => {
          inner.afterCommit(effect("relay write"));
          inner.onRollback(effect("undo savepoint"));
          inner.outbox.enqueue("events", "inner", {});
        });
        fail("audit insert failed: disk full");
      }),
    ).toThrow("disk full");
    expect(ran).toEqual(["undo savepoint", "undo outer"]);
    expect(keys()).toEqual([]);
    // The next unit of work starts clean.
    store.transaction((tx) => tx.afterCommit(effect("next")));
    expect(ran).toEqual(["undo savepoint", "undo outer", "next"]);
  });

  it("isolates a callback that throws: the commit stands, later callbacks run, the failure is logged", () => {
    const { store, ran, effect, keys, lines } = setup();
    const result = store.transaction((tx) => {
      tx.outbox.enqueue("events", "committed", {});
      tx.afterCommit(() => fail("relay port gone"));
      tx.afterCommit(effect("after the failing one"));
      return "done";
    });
    expect(result).toBe("done");
    expect(keys()).toEqual(["committed"]);
    expect(ran).toEqual(["after the failing one"]);
    expect(lines.join("")).toContain("relay port gone");
    expect(lines.join("")).toContain("afterCommit callback of a unit of work failed");
  });

  it("refuses a registration outside a unit of work instead of running it at an unknown time", () => {
    const { store, effect } = setup();
    expect(() => store.afterCommit(effect("x"))).toThrow(/needs a unit of work/);
    expect(() => store.onRollback(effect("x"))).toThrow(/needs a unit of work/);
  });

  it("lets a callback start a unit of work of its own", () => {
    const { store, keys } = setup();
    const open = (s: Store) =>
      s.transaction((tx) => tx.afterCommit(() => s.transaction((t) => t.outbox.enqueue("events", "b", {}))));
    open(store);
    expect(keys()).toEqual(["b"]);
  });
});
