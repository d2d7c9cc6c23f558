import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../../test/helpers/index.ts";
import { DEFAULT_WAL_AUTOCHECKPOINT_PAGES, openConnection } from "./open-database.ts";

let dir: TempDir | undefined;
afterEach(async () => {
  await dir?.remove();
  dir = undefined;
});

/** Frames in the WAL since it last started over (a checkpoint that does nothing reports them). */
function walFrames(db: ReturnType<typeof openConnection>): number {
  const [row] = db.pragma("wal_checkpoint(NOOP)") as Array<{ log: number }>;
  return row!.log;
}

/** Commits of about 100 new 4 KiB pages each, `pages` in all; the most frames the WAL held after one. */
function commitPages(db: ReturnType<typeof openConnection>, pages: number): number {
  db.exec("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
  const insert = db.prepare("INSERT INTO filler (body) VALUES (zeroblob(3900))");
  const commit = db.transaction(() => {
    for (let i = 0; i < 100; i++) insert.run();
  });
  let most = 0;
  for (let written = 0; written < pages; written += 100) {
    commit();
    most = Math.max(most, walFrames(db));
  }
  return most;
}

describe("openConnection", () => {
  it("lets the WAL grow to 4,000 pages before a commit checkpoints it, then starts it over", async () => {
    dir = await tempDir("open-database-");
    const db = openConnection(join(dir.path, "wal.db"));
    try {
      expect(DEFAULT_WAL_AUTOCHECKPOINT_PAGES).toBe(4000);
      // SQLite's own default would have checkpointed at 1,000 pages and restarted the WAL from there.
      const most = commitPages(db, 3500);
      expect(most).toBeGreaterThan(3000);
      expect(most).toBeLessThan(4000 + 200);
      // Past 4,000 the commit checkpoints, and the next writes go to the start of the WAL again.
      commitPages(db, 1000);
      expect(walFrames(db)).toBeLessThan(2000);
    } finally {
      db.close();
    }
  });
});
