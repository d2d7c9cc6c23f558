/**
 * A DL/T 645 meter's clock (date 04000101 YYMMDDWW, time 04000102 hhmmss: local time without a zone)
 * as epoch ms, reading the fields in the gateway's time zone, where the meters are set.
 */
import type { Dlt645DateTime } from "../../protocols/dlt645/index.ts";
import { utcOffsetMs } from "../prepaid/local-time.ts";

/**
 * The instant the meter's local date and time stand for in `timeZone`. In a zone that skips or repeats
 * an hour, the earlier reading wins; DL/T 645 meters serve zones without daylight saving (Asia/Shanghai).
 */
export function meterTimeMs(date: Dlt645DateTime, time: Dlt645DateTime, timeZone: string): number {
  const asUtc = Date.UTC(
    date.year ?? 2000,
    (date.month ?? 1) - 1,
    date.day ?? 1,
    time.hour ?? 0,
    time.minute ?? 0,
    time.second ?? 0,
  );
  // The offset at the instant itself: one correction from the UTC reading settles it.
  const first = asUtc - utcOffsetMs(asUtc, timeZone);
  return asUtc - utcOffsetMs(first, timeZone);
}
