/**
 * `npm run bench [-- --quick] [-- --only 1,3] [-- --peer]`: measures each figure of issue 7 beside its physical limit
 * or target, prints a table and writes test/bench/results/<timestamp>.json and latest.json.
 * Figures run one after another (the machine has 2 cores; overlapping runs would skew CPU figures).
 * Timings are reported, never asserted.
 */
import { availableParallelism } from "node:os";
import { buildChildren, scaleFor, verdictOf, ratioOf, type Figure, type Scale } from "./common.ts";
import { cutLatencyFigures } from "./cut-latency.ts";
import { dlt645Figures } from "./dlt645.ts";
import { drainFigures } from "./drain.ts";
import { ingestFigures } from "./ingest.ts";
import { memoryFigures } from "./memory.ts";
import { peerFigures } from "./peer.ts";
import { rs485Figures } from "./rs485.ts";
import { renderTable, writeResults } from "./table.ts";
import { tcpFigures } from "./tcp.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyArg = args[args.indexOf("--only") + 1];
const peer = args.includes("--peer");
// --peer alone: figure 2 and the peer comparison (P); with --only, P runs beside the figures named.
const only =
  args.includes("--only") && onlyArg !== undefined
    ? new Set([...onlyArg.split(","), ...(peer ? ["P"] : [])])
    : peer
      ? new Set(["2", "P"])
      : undefined;
const scale = scaleFor(quick);

const sections: Array<[string, string, (s: Scale) => Promise<Figure[]>]> = [
  ["1", "RS-485 efficiency", rs485Figures],
  ["1c", "DL/T 645 line efficiency (2400 8E1)", dlt645Figures],
  ["2", "Modbus TCP throughput", tcpFigures],
  ["3", "SQLite ingest", ingestFigures],
  ["4", "Backlog drain", drainFigures],
  ["5", "Memory", memoryFigures],
  ["6", "Cut latency", cutLatencyFigures],
  ["P", "Peer: Node-RED beside the gateway (--peer)", peerFigures],
];

const startedAt = new Date();
const started = performance.now();
process.stderr.write("[bench] compiling the child processes (tsc) ...\n");
buildChildren();
const figures: Figure[] = [];
const errors: Array<{ figure: string; error: string }> = [];
for (const [id, name, run] of sections) {
  if (only !== undefined ? !only.has(id) : id === "P") continue;
  const t0 = performance.now();
  process.stderr.write(`[bench] ${id} ${name} ...\n`);
  try {
    const result = await run(scale);
    figures.push(...result);
    for (const f of result)
      process.stderr.write(`[bench]   ${f.id} ${f.measured.toFixed(2)} ${f.unit} (${verdictOf(f)})\n`);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    errors.push({ figure: id, error: message });
    process.stderr.write(`[bench] ${id} failed: ${message}\n`);
  }
  process.stderr.write(`[bench]   ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

process.stdout.write(`\n${renderTable(figures, quick)}\n`);
if (errors.length > 0) process.stdout.write(`\nfailed: ${errors.map((e) => e.figure).join(", ")}\n`);
const file = writeResults({
  startedAt: startedAt.toISOString(),
  quick,
  node: process.version,
  cpus: availableParallelism(),
  durationMs: performance.now() - started,
  figures: figures.map((f) => ({ ...f, ratio: ratioOf(f), verdict: verdictOf(f) })),
  errors,
});
process.stdout.write(`\nresults: ${file}\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
process.exit(errors.length > 0 ? 1 : 0);
