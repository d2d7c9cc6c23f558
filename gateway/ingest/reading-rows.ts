/** A reading as the store keeps it (a `readings` row) and as the `readings` stream carries it. */
import { qualityMask, type Reading } from "../metering/reading.ts";
import type { ReadingsBody } from "../uplink/records.ts";

/** The row for a reading: named quantities in columns, the rest (and the relay position) in `extra`. */
export function toNewReading(r: Reading) {
  const { voltageV, currentA, powerW, powerFactor, frequencyHz, importEnergyWh, exportEnergyWh, ...extra } =
    r.values;
  return {
    meterId: r.meterId,
    atMs: r.wallMs,
    monoMs: r.monoMs,
    energyWh: importEnergyWh ?? 0,
    ...(exportEnergyWh === undefined ? {} : { exportEnergyWh }),
    ...(voltageV === undefined ? {} : { voltageV }),
    ...(currentA === undefined ? {} : { currentA }),
    ...(powerW === undefined ? {} : { powerW }),
    ...(powerFactor === undefined ? {} : { powerFactor }),
    ...(frequencyHz === undefined ? {} : { frequencyHz }),
    extra: { ...extra, ...(r.relayClosed === undefined ? {} : { relayClosed: r.relayClosed ? 1 : 0 }) },
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
