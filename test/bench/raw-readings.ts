/**
 * Figure 3's raw baseline: the gateway's readings table (same columns, CHECK and indexes) written with
 * one prepared better-sqlite3 INSERT per reading, the point values split into columns as the store
 * splits them. Shared by the raw figure and the charge path's floor (charge-floor.ts).
 */
import type { Database } from "better-sqlite3";
import type { Reading } from "../../gateway/metering/reading.ts";

export const READINGS_TABLE = `CREATE TABLE readings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, meter_id TEXT NOT NULL, at_ms INTEGER NOT NULL, mono_ms INTEGER NOT NULL,
    energy_wh INTEGER NOT NULL, export_energy_wh INTEGER, voltage_v REAL, current_a REAL, power_w REAL,
    power_factor REAL, frequency_hz REAL, extra_json TEXT CHECK (extra_json IS NULL OR json_valid(extra_json)),
    quality_flags INTEGER NOT NULL DEFAULT 0, outbox_id INTEGER, delivered_at_ms INTEGER) STRICT;
    CREATE INDEX readings_meter ON readings (meter_id, id);
    CREATE INDEX readings_outbox ON readings (outbox_id) WHERE outbox_id IS NOT NULL;`;

/** A function inserting one reading into `db`'s readings table (made by READINGS_TABLE); its row id. */
export function insertRawReading(db: Database): (r: Reading, outboxId: number | null) => number | bigint {
  const insert =
    db.prepare(`INSERT INTO readings (meter_id, at_ms, mono_ms, energy_wh, export_energy_wh, voltage_v,
    current_a, power_w, power_factor, frequency_hz, extra_json, quality_flags, outbox_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  return (r, outboxId) => {
    const { voltageV, currentA, powerW, powerFactor, frequencyHz, importEnergyWh, exportEnergyWh, ...extra } =
      r.values;
    return insert.run(
      r.meterId,
      r.wallMs,
      Math.trunc(r.monoMs),
      importEnergyWh ?? 0,
      exportEnergyWh ?? null,
      voltageV ?? null,
      currentA ?? null,
      powerW ?? null,
      powerFactor ?? null,
      frequencyHz ?? null,
      JSON.stringify(extra),
      0,
      outboxId,
    ).lastInsertRowid;
  };
}
