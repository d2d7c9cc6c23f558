/**
 * Figure 3 in its own process: the same readings (generic-prepaid polls of `meters` meters with prepaid
 * accounts) persisted three ways, in batches of 500 (the ReadingBatcher's maximum):
 *  - `engine`: ReadingIngest.ingest(batch) then PrepaidEngine.billReadings, the gateway's store + charge path (readings, outbox record,
 *    ledger charge, billing record, one transaction per batch);
 *  - `store`: store.readings.insertBatch(batch) alone;
 *  - `raw`: better-sqlite3 with the same pragmas and readings table, one prepared INSERT per row, one
 *    transaction per batch;
 *  - `floor`: the rows a charged reading needs as plain statements, without the gateway's rules
 *    (charge-floor.ts).
 *
 * Usage: node --import tsx test/bench/ingest-child.ts <rows> <tempDir>
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { loadConfigFile } from "../../gateway/cli/config-file.ts";
import { SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import type { Reading } from "../../gateway/metering/reading.ts";
import { PrepaidEngine } from "../../gateway/billing/engine.ts";
import { ReadingIngest } from "../../gateway/ingest/ingest.ts";
import { compilePrepaidSettings } from "../../gateway/billing/settings.ts";
import { ingestSiteConfig } from "./ingest-site.ts";
import { openStore } from "../../gateway/store/index.ts";
import { reportResult } from "./common.ts";
import { sampleValues } from "./seed.ts";
import { READINGS_TABLE, insertRawReading } from "./raw-readings.ts";
import { writeChargeFloor } from "./charge-floor.ts";

const rows = Number(process.argv[2] ?? "100000");
const dir = process.argv[3] ?? "/tmp";
const meters = 1000;
const batchSize = 500;

const configFile = join(dir, "config.yaml");
writeFileSync(configFile, ingestSiteConfig("bench-ingest", join(dir, "engine"), meters));
const { config } = await loadConfigFile(configFile);
/**
 * The readings are made as if read over the last `rounds` seconds, but this process started a moment ago
 * and a reading's monotonic time may not be negative (the readings stream refuses it): the clock's
 * monotonic time starts `rounds` seconds (plus one) in, so every made reading lies in its past.
 */
class StartedEarlierClock extends SystemClock {
  constructor(private readonly earlierMs: number) {
    super();
  }
  override monotonicMs(): number {
    return performance.now() + this.earlierMs;
  }
}
const clock = new StartedEarlierClock((Math.ceil(rows / meters) + 1) * 1000);

/** Readings in rounds: every meter once per simulated second, energy +10 Wh each time. */
function makeBatches(): Reading[][] {
  const rounds = Math.ceil(rows / meters);
  const wall0 = Date.now() - rounds * 1000;
  const mono0 = clock.monotonicMs() - rounds * 1000;
  const all: Reading[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let m = 0; m < meters && all.length < rows; m++) {
      all.push({
        meterId: `m${m}`,
        busId: "b",
        unit: (m % 247) + 1,
        wallMs: wall0 + r * 1000,
        monoMs: mono0 + r * 1000,
        values: { ...sampleValues(r), importEnergyWh: 1_000_000 + r * 10 },
        quality: [],
        durationMs: 5,
      });
    }
  }
  const batches: Reading[][] = [];
  for (let i = 0; i < all.length; i += batchSize) batches.push(all.slice(i, i + batchSize));
  return batches;
}

function timed(fn: () => void): { rowsPerSec: number; ms: number; cpuUs: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  fn();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { rowsPerSec: (rows / ms) * 1000, ms, cpuUs: used.user + used.system };
}

// Built before any timing: the generator is not part of any figure.
const prepared = makeBatches();

// Raw first, then the floor, then the store, then the engine: each on its own file.
const raw = timed(() => {
  const db = new Database(join(dir, "raw.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(READINGS_TABLE);
  const insert = insertRawReading(db);
  const write = db.transaction((batch: Reading[]) => {
    for (const r of batch) insert(r, null);
  });
  for (const batch of prepared) write(batch);
  db.close();
});

const floor = timed(() => writeChargeFloor(join(dir, "floor.db"), prepared));

const storeOnly = timed(() => {
  const store = openStore({ dataDir: join(dir, "store"), clock });
  for (const batch of prepared) {
    store.readings.insertBatch(
      batch.map((r) => ({
        meterId: r.meterId,
        atMs: r.wallMs,
        monoMs: r.monoMs,
        energyWh: r.values.importEnergyWh ?? 0,
        exportEnergyWh: r.values.exportEnergyWh ?? 0,
        voltageV: r.values.voltageV ?? 0,
        currentA: r.values.currentA ?? 0,
        powerW: r.values.powerW ?? 0,
        powerFactor: r.values.powerFactor ?? 0,
        frequencyHz: r.values.frequencyHz ?? 0,
        extra: { totalEnergyWh: r.values.totalEnergyWh ?? 0, serialNumber: r.values.serialNumber ?? 0 },
      })),
    );
  }
  store.close();
});

const store = openStore({ dataDir: join(dir, "engine"), clock });
const engine = new PrepaidEngine({
  store,
  clock,
  logger: silentLogger(),
  settings: compilePrepaidSettings(config),
  relay: { writeRelay: () => Promise.resolve(), readRelay: () => Promise.resolve(true) },
  hasRelay: () => false,
});
engine.start();
const readingIngest = new ReadingIngest(store, engine);
const engineRun = timed(() => {
  for (const batch of prepared) readingIngest.ingest(batch);
});
await engine.stop();
store.close();
const check = new Database(store.file, { readonly: true });
const charged = (
  check.prepare("SELECT count(*) AS n FROM ledger WHERE kind = 'charge'").get() as { n: number }
).n;
check.close();
reportResult({ rows, batchSize, raw, floor, store: storeOnly, engine: engineRun, charged });
