/**
 * Daily time windows ("18:00"-"08:00"), weekday names and calendar dates: the vocabulary tariffs and the
 * cut policy share, with their zod schemas. A window is a set of minutes of the local day, the same every
 * day it applies to; a window whose end is before its start crosses midnight and covers both ends of the day.
 */
import * as z from "zod";

/** Weekday names in config, index = Date.getUTCDay (0 = Sunday). */
export const WEEKDAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
/** A weekday name in config. */
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

/** Minutes of the local day: [startMin, endMin), crossing midnight when endMin <= startMin. */
export interface MinuteWindow {
  /** 0..1439 */
  readonly startMin: number;
  /** 1..1440 (1440 = "24:00", end of day) or, crossing midnight, 0..startMin. */
  readonly endMin: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" (00:00..23:59) as minutes after midnight; "24:00" as 1440 when `allowEndOfDay`. Undefined if malformed. */
export function parseHhmm(text: string, allowEndOfDay = false): number | undefined {
  if (allowEndOfDay && text === "24:00") return 1440;
  const match = HHMM.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Builds a window from config strings; the schemas below guarantee both parse. */
export function toMinuteWindow(from: string, to: string): MinuteWindow {
  const startMin = parseHhmm(from);
  const endMin = parseHhmm(to, true);
  if (startMin === undefined || endMin === undefined) throw new RangeError(`Bad window ${from}-${to}`);
  return { startMin, endMin };
}

/** True when `minuteOfDay` (0..1439) lies in the window. */
export function windowContains(window: MinuteWindow, minuteOfDay: number): boolean {
  const { startMin, endMin } = window;
  return startMin < endMin
    ? minuteOfDay >= startMin && minuteOfDay < endMin
    : minuteOfDay >= startMin || minuteOfDay < endMin;
}

/** The window as non-crossing [start, end) ranges within 0..1440. */
export function windowRanges(window: MinuteWindow): Array<readonly [number, number]> {
  const { startMin, endMin } = window;
  if (startMin < endMin) return [[startMin, endMin]];
  const ranges: Array<readonly [number, number]> = [[startMin, 1440]];
  if (endMin > 0) ranges.push([0, endMin]);
  return ranges;
}

/** The minutes at which a set of windows can start or stop applying (for splitting intervals). */
export function windowEdges(windows: readonly MinuteWindow[]): number[] {
  return [...new Set(windows.flatMap((w) => [w.startMin, w.endMin % 1440]))].sort((a, b) => a - b);
}

/** True when any two windows share a minute. */
export function windowsOverlap(windows: readonly MinuteWindow[]): boolean {
  const ranges = windows.flatMap(windowRanges).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    const previous = ranges[i - 1];
    const current = ranges[i];
    if (previous !== undefined && current !== undefined && current[0] < previous[1]) return true;
  }
  return false;
}

/** Minutes of the day covered by non-overlapping windows. */
export function coveredMinutes(windows: readonly MinuteWindow[]): number {
  return windows.flatMap(windowRanges).reduce((sum, [start, end]) => sum + (end - start), 0);
}

/** Local time of day "HH:MM", 00:00..23:59. */
export const hhmmSchema = z.string().regex(HHMM, { error: 'must be a local time "HH:MM" (00:00..23:59)' });

/** End of a window: "HH:MM" or "24:00" (end of day). */
export const hhmmEndSchema = z
  .string()
  .refine((text) => parseHhmm(text, true) !== undefined, { error: 'must be "HH:MM" (00:00..24:00)' });

/**
 * A daily window `{ from: "18:00", to: "08:00" }` in local time, [from, to), crossing midnight when
 * `to` < `from`. `from` = `to` is refused as ambiguous (nothing or the whole day?); the whole day is
 * "00:00"-"24:00".
 */
export const dailyWindowSchema = z
  .strictObject({ from: hhmmSchema, to: hhmmEndSchema })
  .refine((w) => parseHhmm(w.from) !== parseHhmm(w.to, true), {
    error: "from and to must differ (use weekday lists for whole days)",
    path: ["to"],
  });

/** A weekday: "sun" | "mon" | ... | "sat". */
export const weekdayNameSchema = z.enum(WEEKDAY_NAMES);

/** A real calendar date "YYYY-MM-DD" (local to the gateway's time zone). */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date "YYYY-MM-DD"' })
  .refine(isRealDate, { error: "is not a real calendar date" });

function isRealDate(text: string): boolean {
  const [year = 0, month = 0, day = 0] = text.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Weekday names to Date.getUTCDay numbers. */
export function weekdayNumbers(names: readonly WeekdayName[]): ReadonlySet<number> {
  return new Set(names.map((name) => WEEKDAY_NAMES.indexOf(name)));
}
