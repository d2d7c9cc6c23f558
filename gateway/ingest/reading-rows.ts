/** A reading as the store keeps it (a `readings` row) and as the `readings` stream carries it. */
import { qualityMask, type Reading } from "../metering/reading.ts";
import type { NewReading } from "../store/readings.ts";
import type { ReadingsBody } from "../uplink/records.ts";

/**
 * The row for a reading: named quantities in columns, the rest (and the relay position) in `extra`.
 * Absent quantities are undefined fields (stored as NULL), not left out with conditional spreads, each of
 * which made a throwaway object for every reading.
 */
export function toNewReading(r: Reading): NewReading {
  const { voltageV, currentA, powerW, powerFactor, frequencyHz, importEnergyWh, exportEnergyWh, ...rest } =
    r.values;
  const extra: Record<string, number> = rest;
  if (r.relayClosed !== undefined) extra["relayClosed"] = r.relayClosed ? 1 : 0;
  return {
    meterId: r.meterId,
    atMs: r.wallMs,
    monoMs: r.monoMs,
    energyWh: importEnergyWh ?? 0,
    exportEnergyWh,
    voltageV,
    currentA,
    powerW,
    powerFactor,
    frequencyHz,
    extra,
    qualityFlags: qualityMask(r.quality),
  };
}

/** The stream record of a stored reading (`readingId` is its row id; charges refer to it). */
export function toReadingRecord(r: Reading, readingId: number): ReadingsBody["readings"][number] {
  return {
    readingId,
    meterId: r.meterId,
    wallMs: r.wallMs,
    monoMs: r.monoMs,
    values: r.values,
    quality: r.quality,
    ...(r.relayClosed === undefined ? {} : { relayClosed: r.relayClosed }),
  };
}
