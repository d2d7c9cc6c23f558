/**
 * Meter clocks count local time (DL/T 645-2007 DI 04000101 date YYMMDDWW and 04000102 time hhmmss carry
 * no zone), so a meter's clock is compared with the gateway's in the gateway's time zone.
 */
import type { LocalDateTime } from "../metering/controls.ts";
import { localParts, utcOffsetMs } from "../prepaid/index.ts";

/** The local fields of `epochMs` in `timeZone` (seconds truncated). */
export function toLocalDateTime(epochMs: number, timeZone: string): LocalDateTime {
  const p = localParts(epochMs, timeZone);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

/**
 * The instant a local time names in `timeZone`, epoch ms. A time skipped by a DST change reads as the
 * instant after the jump; a repeated one as its first occurrence (meters in DST zones are rare: China has
 * none since 1991).
 */
export function localDateTimeToEpochMs(local: LocalDateTime, timeZone: string): number {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Two rounds: the offset at the first guess, then at the instant it gives (right across a DST change).
  const first = asUtc - utcOffsetMs(asUtc, timeZone);
  return asUtc - utcOffsetMs(first, timeZone);
}

/** Epoch ms moved onto a "local epoch": its local wall time read as if it were UTC. */
export function localEpochMs(epochMs: number, timeZone: string): number {
  return epochMs + utcOffsetMs(epochMs, timeZone);
}
