/** What a poll hands on: the driver's result with the meter's identity and the poll's times. */
import type { PollResult } from "../metering/driver.ts";
import type { Reading } from "../metering/reading.ts";

/**
 * A poll's result as a Reading, its keys in one fixed order (the order `read --json` prints them),
 * built without the throwaway objects of conditional spreads: this runs for every reading.
 */
export function toReading(
  meter: { readonly id: string; readonly unit?: number; readonly address?: string },
  busId: string,
  result: PollResult,
  times: { wallMs: number; monoMs: number; durationMs: number },
): Reading {
  const out = { meterId: meter.id, busId } as Reading;
  if (meter.unit !== undefined) out.unit = meter.unit;
  if (meter.address !== undefined) out.address = meter.address;
  out.wallMs = times.wallMs;
  out.monoMs = times.monoMs;
  out.values = result.values;
  out.quality = result.flags;
  out.durationMs = times.durationMs;
  if (result.relayClosed !== undefined) out.relayClosed = result.relayClosed;
  if (result.missing !== undefined) out.missing = result.missing;
  return out;
}
