/**
 * The tier counter of an account as a person reads it (阶梯 settlement, DOMAIN.md section 2): the energy
 * charged so far in the current settlement period, the tier it has reached, and when the period began
 * and ends. The period is the local calendar month or year in the gateway's time zone; it begins at the
 * first instant whose local date is the 1st (local midnight, or the end of a DST gap that skips it).
 * A counter whose period has ended reads 0 from the boundary on, before any reading arrives.
 */
import { localParts } from "./local-time.ts";
import type { Tariff } from "./tariff-config.ts";
import { settlementKeyOf, tierIndexFor, usageIn, type SettlementUsage } from "./tariff.ts";

/** A tiered account's counter at one instant. */
export interface TierCounter {
  readonly settlement: "monthly" | "yearly";
  /** "2026-10" (monthly) or "2026" (yearly): the period counted now. */
  readonly periodKey: string;
  /** When the period began and ends, epoch ms, [fromMs, toMs). */
  readonly periodFromMs: number;
  readonly periodToMs: number;
  /** Energy charged in the period so far, Wh, >= 0. */
  readonly usedWh: number;
  /** Tier reached, 0-based, and where it starts, Wh. */
  readonly tier: number;
  readonly tierFromWh: number;
  /** Where the next tier starts, Wh; null in the last tier. */
  readonly nextTierFromWh: number | null;
}

const HOUR_MS = 3_600_000;
/** A local midnight lies within this of the UTC midnight of the same date (offsets -12 h..+14 h). */
const MAX_OFFSET_MS = 15 * HOUR_MS;

/**
 * The tier counter of `usage` for a tiered `tariff` at `nowMs` (epoch ms) in `timeZone`; undefined for a
 * tariff that is not tiered.
 */
export function tierCounterAt(
  tariff: Tariff,
  usage: SettlementUsage | undefined,
  nowMs: number,
  timeZone: string,
): TierCounter | undefined {
  if (tariff.kind !== "tiered") return undefined;
  const counted = usageIn(usage, settlementKeyOf(tariff.settlement, localParts(nowMs, timeZone)));
  const tier = tierIndexFor(tariff.tiers, counted.usedWh);
  const bounds = settlementPeriodBounds(counted.periodKey, timeZone);
  return {
    settlement: tariff.settlement,
    periodKey: counted.periodKey,
    periodFromMs: bounds.fromMs,
    periodToMs: bounds.toMs,
    usedWh: counted.usedWh,
    tier,
    tierFromWh: tariff.tiers[tier]?.fromWh ?? 0,
    nextTierFromWh: tariff.tiers[tier + 1]?.fromWh ?? null,
  };
}

/** Bounds already found, by zone and period: status asks for every tiered account's on each call. */
const boundsCache = new Map<string, { fromMs: number; toMs: number }>();
/** A few zones times the periods in use; cleared when full rather than tracked. */
const BOUNDS_CACHE_MAX = 256;

/** Instants a settlement period ("YYYY-MM" or "YYYY") begins and ends in `timeZone`, epoch ms. */
export function settlementPeriodBounds(
  periodKey: string,
  timeZone: string,
): { fromMs: number; toMs: number } {
  const cacheKey = `${timeZone}|${periodKey}`;
  const cached = boundsCache.get(cacheKey);
  if (cached !== undefined) return { ...cached };
  const bounds = findBounds(periodKey, timeZone);
  if (boundsCache.size >= BOUNDS_CACHE_MAX) boundsCache.clear();
  boundsCache.set(cacheKey, bounds);
  return { ...bounds };
}

function findBounds(periodKey: string, timeZone: string): { fromMs: number; toMs: number } {
  const [year, month] = periodKey.split("-").map((part) => Number.parseInt(part, 10));
  if (year === undefined || Number.isNaN(year)) throw new RangeError(`bad settlement period "${periodKey}"`);
  const first = month === undefined ? Date.UTC(year, 0, 1) : Date.UTC(year, month - 1, 1);
  const next = month === undefined ? Date.UTC(year + 1, 0, 1) : Date.UTC(year, month, 1);
  return { fromMs: startOfLocalDate(first, timeZone), toMs: startOfLocalDate(next, timeZone) };
}

/**
 * The first instant whose local date in `timeZone` is on or after the date of `dateUtcMs` (a UTC
 * midnight): a bisection over the 30 h around it, where the local date only moves forward.
 */
function startOfLocalDate(dateUtcMs: number, timeZone: string): number {
  const target = new Date(dateUtcMs).toISOString().slice(0, 10);
  let lo = dateUtcMs - MAX_OFFSET_MS; // local date still before the target
  let hi = dateUtcMs + MAX_OFFSET_MS; // local date already on it
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localParts(mid, timeZone).dateKey >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}
