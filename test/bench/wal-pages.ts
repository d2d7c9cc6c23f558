/**
 * Which b-trees one batch of figure 3a's store + charge path writes at its commit: a tree's site (1,000
 * prepaid meters, batches of 500) ingests `rounds` rounds, checkpoints, ingests one more batch with
 * checkpoints off, then reads the page number of every frame in the WAL and names its table or index
 * through SQLite's dbstat. Each changed page costs a WAL frame and, later, a checkpoint write; a page
 * per charged reading in a scattered index is the expensive kind. Load-independent.
 *
 * Usage: node --import tsx test/bench/wal-pages.ts <tree> [rounds=40]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Reading } from "../../gateway/metering/reading.ts";
import { sampleValues } from "./seed.ts";
import { treeIngest } from "./tree-modules.ts";

const [tree, roundsArg] = process.argv.slice(2);
if (tree === undefined) throw new Error("usage: wal-pages.ts <tree> [rounds]");
const rounds = Number(roundsArg ?? "40");
const dir = mkdtempSync(join(tmpdir(), "wal-pages-"));
const dataDir = join(dir, "data");
const { store, clock, ingest } = await treeIngest(
  tree,
  { name: "wal-pages", configFile: join(dir, "site.yaml"), dataDir, meters: 1000 },
  (rounds + 2) * 1000,
);

const wall0 = Date.now() - (rounds + 1) * 1000;
const mono0 = clock.monotonicMs() - (rounds + 1) * 1000;
/** Half `half` (0 or 1) of round `r`: 500 meters' readings. */
const batch = (r: number, half: number): Reading[] =>
  Array.from({ length: 500 }, (_, i) => ({
    meterId: `m${half * 500 + i}`,
    busId: "b0",
    unit: 1,
    wallMs: wall0 + r * 1000,
    monoMs: mono0 + r * 1000,
    values: sampleValues(r),
    quality: [],
    durationMs: 5,
  }));
for (let r = 0; r < rounds; r++) for (const half of [0, 1]) ingest.ingest(batch(r, half));
store.db.pragma("wal_checkpoint(TRUNCATE)");
store.db.pragma("wal_autocheckpoint = 0");
ingest.ingest(batch(rounds, 0));

// WAL format (sqlite.org/fileformat.html 4.1): 32-byte header (page size at offset 8), then frames of a
// 24-byte header (page number first) and one page.
const wal = readFileSync(join(dataDir, "gateway.db-wal"));
const pageSize = wal.readUInt32BE(8);
const pages = new Set<number>();
for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) pages.add(wal.readUInt32BE(at));
const reader = new Database(store.file, { readonly: true });
const owner = new Map(
  (reader.prepare("SELECT name, pageno FROM dbstat").all() as { name: string; pageno: number }[]).map(
    (row) => [row.pageno, row.name],
  ),
);
const byTree = new Map<string, number>();
for (const page of pages) {
  const name = owner.get(page) ?? "(free or new)";
  byTree.set(name, (byTree.get(name) ?? 0) + 1);
}
reader.close();
store.close();
rmSync(dir, { recursive: true, force: true });
console.log(
  `${pages.size} pages written by the commit of one batch of 500 (after ${rounds * 1000} readings):`,
);
for (const [name, n] of [...byTree].sort((a, b) => b[1] - a[1]))
  console.log(`${String(n).padStart(5)}  ${name}`);
