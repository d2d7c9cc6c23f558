/**
 * Local wall-clock time in an IANA time zone, from epoch milliseconds, with no I/O and no Date parsing.
 * Tariff periods, friendly hours, holidays and settlement months are all defined in local time, so this
 * module turns "every day at 08:00 local" into real instants, correctly across DST changes.
 */

/** Local calendar and clock fields of one instant in one time zone. */
export interface LocalParts {
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  /** 1..31 */
  readonly day: number;
  /** 0..23 */
  readonly hour: number;
  /** 0..59 */
  readonly minute: number;
  /** 0..59 */
  readonly second: number;
  /** 0 = Sunday .. 6 = Saturday, as Date.getUTCDay. */
  readonly weekday: number;
  /** 0..1439: hour * 60 + minute. */
  readonly minuteOfDay: number;
  /** "YYYY-MM-DD", the form holidays are written in. */
  readonly dateKey: string;
}

/** A span of constant classification, [fromMs, toMs) in epoch ms. */
export interface LocalSegment<T> {
  readonly fromMs: number;
  readonly toMs: number;
  readonly value: T;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** UTC offsets lie within -12 h..+14 h; a local time's instant is within this of its UTC reading. */
const MAX_OFFSET_MS = 15 * HOUR_MS;
/** Offset changes are sampled this often; real zones never change offset twice within it. */
const TRANSITION_SAMPLE_MS = 6 * HOUR_MS;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (cached === undefined) {
    cached = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

/** True when the runtime's ICU knows `timeZone` ("Asia/Shanghai", "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Local fields of `epochMs` in `timeZone`. Throws RangeError for an unknown zone. */
export function localParts(epochMs: number, timeZone: string): LocalParts {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(epochMs)) {
    if (part.type !== "literal") fields[part.type] = Number.parseInt(part.value, 10);
  }
  const year = fields["year"] ?? 0;
  const month = fields["month"] ?? 1;
  const day = fields["day"] ?? 1;
  // Some ICU builds print midnight as "24" even with h23; it is hour 0 of the same date.
  const hour = (fields["hour"] ?? 0) % 24;
  const minute = fields["minute"] ?? 0;
  const second = fields["second"] ?? 0;
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
    minuteOfDay: hour * 60 + minute,
    dateKey: `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}`,
  };
}

/** Local time minus UTC at `epochMs`, in ms (whole seconds; +8 h for Asia/Shanghai). */
export function utcOffsetMs(epochMs: number, timeZone: string): number {
  const p = localParts(epochMs, timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(epochMs / 1000) * 1000;
}

/**
 * Cuts [fromMs, toMs) into segments on which `classify` is constant, given that `classify` depends only on
 * the local date and on which side of each of `boundaryMinutes` (0..1439, minutes after local midnight) the
 * local time lies. Cut points are every real occurrence of a boundary minute or of local midnight (twice for
 * a time repeated when clocks go back) and every offset change (a time skipped when clocks go forward takes
 * effect at the jump). Adjacent segments with `same` values are merged. For fromMs === toMs, one empty segment.
 */
export function splitByLocalRule<T>(
  fromMs: number,
  toMs: number,
  timeZone: string,
  boundaryMinutes: readonly number[],
  classify: (local: LocalParts) => T,
  same: (a: T, b: T) => boolean,
): LocalSegment<T>[] {
  if (!(toMs >= fromMs)) throw new RangeError(`Interval end ${toMs} is before its start ${fromMs}`);
  const cuts = new Set<number>();
  addOffsetTransitions(fromMs, toMs, timeZone, cuts);
  addBoundaryOccurrences(fromMs, toMs, timeZone, boundaryMinutes, cuts);
  const points = [fromMs, ...[...cuts].sort((a, b) => a - b), toMs];
  const segments: LocalSegment<T>[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i] ?? fromMs;
    const end = points[i + 1] ?? toMs;
    const value = classify(localParts(start, timeZone));
    const last = segments[segments.length - 1];
    if (last !== undefined && same(last.value, value)) {
      segments[segments.length - 1] = { fromMs: last.fromMs, toMs: end, value: last.value };
    } else {
      segments.push({ fromMs: start, toMs: end, value });
    }
  }
  return segments;
}

/** Adds every instant strictly inside (fromMs, toMs) at which the zone's UTC offset changes. */
function addOffsetTransitions(fromMs: number, toMs: number, timeZone: string, cuts: Set<number>): void {
  let at = fromMs;
  let offset = utcOffsetMs(at, timeZone);
  while (at < toMs) {
    const next = Math.min(at + TRANSITION_SAMPLE_MS, toMs);
    const nextOffset = utcOffsetMs(next, timeZone);
    if (nextOffset !== offset) {
      // Bisect to the first millisecond with the new offset.
      let lo = at;
      let hi = next;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (utcOffsetMs(mid, timeZone) === offset) lo = mid;
        else hi = mid;
      }
      if (hi > fromMs && hi < toMs) cuts.add(hi);
    }
    at = next;
    offset = nextOffset;
  }
}

/** Adds every real instant strictly inside (fromMs, toMs) whose local time is exactly a boundary minute. */
function addBoundaryOccurrences(
  fromMs: number,
  toMs: number,
  timeZone: string,
  boundaryMinutes: readonly number[],
  cuts: Set<number>,
): void {
  const minutes = [...new Set([0, ...boundaryMinutes])].filter((m) => m >= 0 && m < 1440);
  const first = localParts(fromMs, timeZone);
  const last = localParts(toMs, timeZone);
  const lastDay = Date.UTC(last.year, last.month - 1, last.day) + DAY_MS;
  for (let day = Date.UTC(first.year, first.month - 1, first.day) - DAY_MS; day <= lastDay; day += DAY_MS) {
    for (const minute of minutes) {
      const wall = day + minute * MINUTE_MS;
      // The instant is wall - offset for an offset in force near it; with at most one change in the
      // window, the offsets at both ends of the window are the only candidates. Each is verified.
      const candidates = new Set([
        utcOffsetMs(wall - MAX_OFFSET_MS, timeZone),
        utcOffsetMs(wall + MAX_OFFSET_MS, timeZone),
      ]);
      for (const offset of candidates) {
        const instant = wall - offset;
        if (instant <= fromMs || instant >= toMs) continue;
        const p = localParts(instant, timeZone);
        if (p.second === 0 && p.minuteOfDay === minute && Date.UTC(p.year, p.month - 1, p.day) === day) {
          cuts.add(instant);
        }
      }
    }
  }
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}
