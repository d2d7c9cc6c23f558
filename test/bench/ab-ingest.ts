/**
 * A/B of the store + charge path (figure 3a's `engine`: ReadingIngest.ingest then billing) between two
 * checkouts of this repository, in ONE process: each tree's modules are imported from its own path, each
 * gets its own database, and the two ingest the same readings in alternating chunks of batches, so load
 * from other processes falls on both alike. Prints CPU µs per row of each and the ratio A/B.
 *
 * Also prints, per row of each side, the write syscalls and KiB written (the WAL and its checkpoints) and,
 * with AB_COUNT_STATEMENTS=1, the SQLite statements executed (that run's µs include the counting wrapper);
 * with AB_TIME_STATEMENTS=1, the time per row of the 8 costliest statement texts, both sides together
 * (meant for one tree on both sides; that run's µs include the timing wrapper).
 *
 * Prints wall µs per row too (the fsyncs and checkpoints of a commit wait without CPU). AB_PRAGMA_A and
 * AB_PRAGMA_B, pragmas separated by ";", are set on that side's connection after it opens (to weigh a
 * setting with one tree on both sides: AB_PRAGMA_A="wal_autocheckpoint=1000").
 *
 * Usage: node --import tsx test/bench/ab-ingest.ts <treeA> <treeB> [rows=40000] [batchesPerTurn=2]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Reading } from "../../gateway/metering/reading.ts";
import { sampleValues } from "./seed.ts";
import { countStatements, ioWrites, timeStatements } from "./ab-counters.ts";
import { treeIngest } from "./tree-modules.ts";

const [treeA, treeB, rowsArg, turnArg] = process.argv.slice(2);
if (treeA === undefined || treeB === undefined)
  throw new Error("usage: ab-ingest.ts <treeA> <treeB> [rows] [turn]");
const rows = Number(rowsArg ?? "40000");
const batchesPerTurn = Number(turnArg ?? "2");
const meters = 1000;
const batchSize = 500;
const dir = mkdtempSync(join(tmpdir(), "ab-ingest-"));

/** The tree's ingest stage over a fresh store with 1,000 prepaid meters, and its readings. */
async function setUp(
  tree: string,
  name: string,
): Promise<{ ingest: (batch: Reading[]) => void; batches: Reading[][] }> {
  const rounds = Math.ceil(rows / meters);
  const { store, clock, ingest } = await treeIngest(
    tree,
    { name: "ab-ingest", configFile: join(dir, `${name}.yaml`), dataDir: join(dir, name), meters },
    (rounds + 1) * 1000,
  );
  const all: Reading[] = [];
  const wall0 = Date.now() - rounds * 1000;
  const mono0 = clock.monotonicMs() - rounds * 1000;
  for (let r = 0; r < rounds; r++) {
    for (let m = 0; m < meters && all.length < rows; m++) {
      // Fractional times, as the poller stamps them.
      const at = { wallMs: wall0 + r * 1000 + 0.25, monoMs: mono0 + r * 1000 + 0.5 };
      all.push({
        meterId: `m${m}`,
        busId: "b0",
        unit: 1,
        ...at,
        values: sampleValues(r),
        quality: [],
        durationMs: 5,
      });
    }
  }
  const batches: Reading[][] = [];
  for (let i = 0; i < all.length; i += batchSize) batches.push(all.slice(i, i + batchSize));
  const pragmas = process.env[name === "a" ? "AB_PRAGMA_A" : "AB_PRAGMA_B"] ?? "";
  for (const pragma of pragmas.split(";").filter((p) => p.trim() !== "")) store.db.pragma(pragma);
  return { ingest: (batch) => ingest.ingest(batch), batches };
}

const sides = [await setUp(treeA, "a"), await setUp(treeB, "b")];
const statements = process.env.AB_COUNT_STATEMENTS === "1" ? countStatements() : undefined;
const statementTimes = process.env.AB_TIME_STATEMENTS === "1" ? timeStatements() : undefined;
const cpuUs = [0, 0];
const wallMs = [0, 0];
const writes = [0, 0].map(() => ({ syscalls: 0, bytes: 0, statements: 0 }));
for (let turn = 0, at = 0; at < sides[0]!.batches.length; turn++, at += batchesPerTurn) {
  // Alternate who goes first, so neither always runs on a cache the other warmed.
  for (const side of turn % 2 === 0 ? [0, 1] : [1, 0]) {
    const io = ioWrites();
    const statementsBefore = statements?.count ?? 0;
    const started = process.cpuUsage();
    const wallStarted = performance.now();
    for (const batch of sides[side]!.batches.slice(at, at + batchesPerTurn)) sides[side]!.ingest(batch);
    const used = process.cpuUsage(started);
    wallMs[side]! += performance.now() - wallStarted;
    cpuUs[side]! += used.user + used.system;
    const ioAfter = ioWrites();
    writes[side]!.syscalls += ioAfter.syscalls - io.syscalls;
    writes[side]!.bytes += ioAfter.bytes - io.bytes;
    writes[side]!.statements += (statements?.count ?? 0) - statementsBefore;
  }
}
rmSync(dir, { recursive: true, force: true });
const perRow = cpuUs.map((us) => (us / rows).toFixed(1));
console.log(
  `A ${perRow[0]} µs/row  B ${perRow[1]} µs/row  A/B ${(cpuUs[0]! / cpuUs[1]!).toFixed(3)}  (${rows} rows)`,
);
const wallPerRow = wallMs.map((ms) => ((ms * 1000) / rows).toFixed(1));
console.log(
  `wall A ${wallPerRow[0]} µs/row  B ${wallPerRow[1]} µs/row  A/B ${(wallMs[0]! / wallMs[1]!).toFixed(3)}`,
);
const perRowOf = (n: number, digits = 2) => (n / rows).toFixed(digits);
for (const [i, name] of ["A", "B"].entries()) {
  const w = writes[i]!;
  console.log(
    `${name} per row: ${perRowOf(w.syscalls)} write syscalls, ${perRowOf(w.bytes / 1024)} KiB written` +
      (statements === undefined ? "" : `, ${perRowOf(w.statements)} statements`),
  );
}
if (statementTimes !== undefined) {
  const costliest = [...statementTimes].sort((a, b) => Number(b[1].ns - a[1].ns)).slice(0, 8);
  for (const [sql, { runs, ns }] of costliest) {
    const usPerRow = (Number(ns) / 1000 / (2 * rows)).toFixed(2).padStart(6);
    console.log(`${usPerRow} µs/row  ${String(runs).padStart(7)} runs  ${sql.slice(0, 100)}`);
  }
}
