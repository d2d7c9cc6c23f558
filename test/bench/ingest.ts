/**
 * Figure 3, SQLite ingest: readings persisted/s through the gateway's store and charge path
 * (PrepaidEngine.ingest, what every poll batch goes through) and through store.readings.insertBatch
 * alone, against raw better-sqlite3 batched inserts of the same rows in the same run (ingest-child.ts).
 */
import { tempDir } from "../helpers/index.ts";
import { startChild, type Figure, type Scale } from "./common.ts";

interface Timed {
  rowsPerSec: number;
  ms: number;
  cpuUs: number;
}
interface IngestResult {
  rows: number;
  batchSize: number;
  raw: Timed;
  store: Timed;
  engine: Timed;
  charged: number;
}

export async function ingestFigures(scale: Scale): Promise<Figure[]> {
  const dir = await tempDir("bench-ingest-");
  try {
    const result = await startChild<IngestResult>("ingest-child.ts", [String(scale.ingestRows), dir.path])
      .result;
    const scaleText = `${result.rows.toLocaleString("en-US")} rows, 1000 meters, batches of ${result.batchSize}`;
    return [
      {
        id: "3a",
        name: "SQLite ingest, gateway store+charge path (engine.ingest)",
        measured: result.engine.rowsPerSec,
        unit: "rows/s",
        limit: result.raw.rowsPerSec,
        limitLabel: "raw better-sqlite3, same run",
        better: "higher",
        pass: 0.5,
        scale: scaleText,
        note: `${(result.engine.cpuUs / result.rows).toFixed(0)} µs CPU/row vs raw ${(result.raw.cpuUs / result.rows).toFixed(1)}; ${result.charged} charges`,
        detail: { ...result },
      },
      {
        id: "3b",
        name: "SQLite ingest, store.readings.insertBatch only",
        measured: result.store.rowsPerSec,
        unit: "rows/s",
        limit: result.raw.rowsPerSec,
        limitLabel: "raw better-sqlite3, same run",
        better: "higher",
        pass: 0.5,
        scale: scaleText,
      },
    ];
  } finally {
    await dir.remove();
  }
}
