/**
 * `node --import tsx test/bench/mark-delivered-probe.ts [readingsPerBatch=800] [batches=110]
 * [marksPerStatement=1] [variant=as-is|no-readings-trigger]`: what marking a readings record delivered
 * (Outbox.markDelivered on its PUBACK) costs beside storing it (ReadingIngest.ingest), per reading: CPU of
 * this process and bytes written (/proc/self/io `wchar`: WAL frames and checkpoints). Batches of 800
 * readings are what the peer figures' 4,000 readings/s make with the batcher's 200 ms window. The variant
 * `no-readings-trigger` drops `outbox_delivers_readings` from the probe's database (an upper bound of what
 * deriving a reading's delivery from its record instead of copying it would save; never a candidate as it
 * stands). The first 10 batches are warm-up. A probe, never a test (docs/bench.md, "The publish path").
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SystemClock } from "../../core/clock.ts";
import { ReadingIngest } from "../../gateway/ingest/ingest.ts";
import type { Reading } from "../../gateway/metering/reading.ts";
import { openStore } from "../../gateway/store/index.ts";
import { sampleValues } from "./seed.ts";

const arg = (i: number, fallback: number): number => Number(process.argv[i] ?? fallback);
const [perBatch, batches, perMark] = [arg(2, 800), arg(3, 110), arg(4, 1)];
const variant = process.argv[5] ?? "as-is";
const dir = mkdtempSync(join(tmpdir(), "mark-probe-"));
const store = openStore({ dataDir: dir, clock: new SystemClock() });
if (variant === "no-readings-trigger") store.db.exec("DROP TRIGGER outbox_delivers_readings");
const ingest = new ReadingIngest(store, { billReadings: () => undefined });

const written = () => Number(/^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? 0);
const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const batch = (k: number): Reading[] =>
  Array.from({ length: perBatch }, (_, i) => ({
    meterId: `c${Math.floor(i / 10)}u${(i % 10) + 1}`,
    busId: `c${Math.floor(i / 10)}`,
    wallMs: 1_767_614_400_000 + k * 200,
    monoMs: k * 200,
    values: sampleValues(k * perBatch + i),
    quality: [],
    durationMs: 3,
  }));

const totals = { ingestUs: 0, ingestBytes: 0, markUs: 0, markBytes: 0 };
let marked = store.outbox.lastId();
for (let k = 0; k < batches; k++) {
  const readings = batch(k);
  const [cpu0, bytes0] = [cpuUs(), written()];
  ingest.ingest(readings);
  if (k >= 10)
    [totals.ingestUs, totals.ingestBytes] = [
      totals.ingestUs + cpuUs() - cpu0,
      totals.ingestBytes + written() - bytes0,
    ];
  if ((k + 1) % perMark !== 0) continue;
  const last = store.outbox.lastId();
  const ids = Array.from({ length: last - marked }, (_, i) => marked + 1 + i);
  const [cpu1, bytes1] = [cpuUs(), written()];
  store.outbox.markDelivered(ids);
  if (k >= 10)
    [totals.markUs, totals.markBytes] = [
      totals.markUs + cpuUs() - cpu1,
      totals.markBytes + written() - bytes1,
    ];
  marked = last;
}
const rows = (batches - 10) * perBatch;
const per = (x: number) => (x / rows).toFixed(2);
console.log(
  `${variant}, ${perBatch} readings a record, ${perMark} record(s) a mark: per reading ingest ${per(totals.ingestUs)} µs ${per(totals.ingestBytes)} B; markDelivered ${per(totals.markUs)} µs ${per(totals.markBytes)} B`,
);
store.close();
rmSync(dir, { recursive: true, force: true });
