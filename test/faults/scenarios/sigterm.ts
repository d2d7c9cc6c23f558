/**
 * Fault: SIGTERM (a clean stop: systemd stop, a reboot, an upgrade) at an arbitrary moment while four
 * meters are polled ten times a second with the uplink configured. Checked on every stop: the service
 * exits 0, every reading it polled is in the database, and no error is logged (a stop that tore the
 * buses down before storing the last batch logged `could not store a batch of readings ... unknown
 * meter`). What it polled is counted from its own debug log: one `reading` line per reading produced,
 * written before the reading is handed to the batcher.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { requireProfile } from "../../../protocols/profiles/load.ts";
import { loadProfiles } from "../../../protocols/profiles/io/files.ts";
import { startSimulator } from "../../../simulator/start.ts";
import { startMosquitto, tempDir } from "../../helpers/index.ts";
import { startService } from "../../helpers/service.ts";
import { faultResult, type FaultResult, type FaultScenario } from "../types.ts";

const METERS = [1, 2, 3, 4];

/** Stops per size: quick for `npm test` (well under 30 s), full for `npm run faults`. */
export const sigtermStops = { quick: 5, full: 50 } as const;

export const scenario: FaultScenario = ({ size }) => runSigtermStops(sigtermStops[size]);

/** One pino JSON line, as far as this scenario reads it. */
interface LogLine {
  readonly level?: number;
  readonly msg?: string;
}

function logLines(output: string): LogLine[] {
  return output.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return [];
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return []; // the first line of a truncated capture
    }
  });
}

function storedReadings(dbFile: string): number {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare("SELECT count(*) FROM readings").pluck().get() as number;
  } finally {
    db.close();
  }
}

/**
 * Starts the service `stops` times on the same database and stops each run with SIGTERM after a
 * varying time (150..650 ms after it answers). Never throws for a failed check.
 */
export async function runSigtermStops(stops: number): Promise<FaultResult> {
  const profiles = loadProfiles();
  const broker = await startMosquitto();
  const sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: METERS.map((unit) => ({
      unit,
      profile: requireProfile(profiles, "generic-prepaid"),
      powerW: 3000,
      importEnergyWh: 100_000,
    })),
  });
  const dir = await tempDir("sigterm-");
  const failures: string[] = [];
  let polled = 0;
  let stored = 0;
  let maxStopMs = 0;
  try {
    for (let run = 1; run <= stops; run++) {
      const before = run === 1 ? 0 : storedReadings(join(dir.path, "data", "gateway.db"));
      const service = await startService({
        dir,
        config: ({
          dataDir,
          httpPort,
        }) => `gateway: { id: gw-sigterm, dataDir: ${dataDir}, httpPort: ${httpPort}, logLevel: debug }
buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 300, interFrameGapMs: 0 }]
meters:
${METERS.map((u) => `  - { id: m${u}, bus: tcp, unit: ${u}, profile: generic-prepaid, account: a${u}, pollIntervalMs: 100 }`).join("\n")}
accounts:
${METERS.map((u) => `  - { id: a${u}, tariff: flat, balance: "1000.00" }`).join("\n")}
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
mqtt: { url: "${broker.url}" }
`,
      });
      // A different moment of the poll and batch cycle on each run.
      await new Promise((resolve) => setTimeout(resolve, 150 + ((run * 97) % 500)));
      const { code, stopMs } = await service.stop();
      maxStopMs = Math.max(maxStopMs, stopMs);
      const lines = logLines(service.process.output());
      const runPolled = lines.filter((l) => l.msg === "reading").length;
      const runStored = storedReadings(service.dbFile) - before;
      polled += runPolled;
      stored += runStored;
      if (code !== 0) failures.push(`stop ${run}: exit code ${code}`);
      if (runPolled === 0) failures.push(`stop ${run}: nothing was polled (no 'reading' debug lines)`);
      if (runStored !== runPolled)
        failures.push(`stop ${run}: polled ${runPolled} readings, stored ${runStored}`);
      for (const line of lines.filter((l) => (l.level ?? 0) >= 50))
        failures.push(`stop ${run}: logged an error: ${line.msg ?? JSON.stringify(line)}`);
    }
  } finally {
    await sim.stop();
    await broker.stop();
    await dir.remove();
  }
  return faultResult({
    fault: "SIGTERM while polling",
    runs: stops,
    checked: "exit 0; every polled reading stored; no error logged during the run or the stop",
    figures: {
      stops,
      "readings polled": polled,
      "readings stored": stored,
      "max stop ms": maxStopMs,
    },
    failures,
  });
}
