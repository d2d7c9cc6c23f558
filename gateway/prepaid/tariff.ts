/**
 * Charging an energy delta against a tariff, exactly. The delta measured over [fromMs, toMs] is split:
 * - in time, at every change of the tariff itself (`tariff.set` effectiveFrom), TOU period change, local
 *   midnight and settlement rollover (local time, DST-aware), proportionally to each piece's duration,
 *   in whole Wh, remainders by largest remainder (allocate.ts);
 * - in energy, at every tier threshold the settlement period's running total crosses.
 * Each part is charged wh x priceE4, so the parts' amounts always sum to the charge of their energy.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { allocateProportionally } from "./allocate.ts";
import { splitByLocalRule, localParts, type LocalParts } from "./local-time.ts";
import { addExact, assertSafeInteger, chargeE7 } from "./money.ts";
import type { Tariff, TariffBase, Tier, TouPeriod, TouSchedule } from "./tariff-config.ts";
import { windowContains } from "./windows.ts";

/** Energy used so far in one settlement period, which selects the tier. */
export interface SettlementUsage {
  /** "2026-10" (monthly) or "2026" (yearly), local calendar of the gateway's time zone. */
  readonly periodKey: string;
  /** Energy charged in that period so far, Wh, >= 0. */
  readonly usedWh: number;
}

/** One priced piece of a charge. */
export interface ChargePart {
  /** Energy, Wh, > 0. */
  readonly wh: number;
  /** Base price + tier increment, 1e-4 yuan/kWh. */
  readonly priceE4: number;
  /** TOU period ("flat" for a flat price). */
  readonly period: TouPeriod;
  /** Tier index, 0-based (always 0 for untiered tariffs). */
  readonly tier: number;
  /** wh x priceE4, 1e-7 yuan. */
  readonly amountE7: number;
  /** The time piece this energy was allotted to, epoch ms, [fromMs, toMs). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Settlement period of the piece (tiered tariffs only). */
  readonly settlementKey: string | undefined;
}

/** A version of a tariff that was (or is still) in force until `untilMs`, when a later one took over. */
export interface TariffVersion {
  readonly tariff: Tariff;
  /** Epoch ms (exclusive): the later version's effectiveFrom. */
  readonly untilMs: number;
}

/** What to charge: an energy delta over an interval, against a tariff. */
export interface ChargeRequest {
  /** The tariff in force after every `earlier` version. */
  readonly tariff: Tariff;
  /** Earlier versions of the tariff, by ascending `untilMs`; none: `tariff` over the whole interval. */
  readonly earlier?: readonly TariffVersion[] | undefined;
  /** IANA zone the tariff's local times are read in (the gateway's). */
  readonly timeZone: string;
  /** Interval the energy was used over, epoch ms, fromMs <= toMs. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Energy used over the interval, Wh, non-negative safe integer. */
  readonly energyWh: number;
  /** Settlement usage before this charge (tiered tariffs); a different periodKey than fromMs's counts as 0. */
  readonly usage?: SettlementUsage | undefined;
}

/** The priced parts of a charge and their totals. */
export interface ChargeResult {
  /** In time order; sum of wh = energyWh, sum of amountE7 = amountE7. */
  readonly parts: readonly ChargePart[];
  readonly energyWh: number;
  /** Total charge, 1e-7 yuan. */
  readonly amountE7: number;
  /** Settlement usage after this charge (tiered tariffs), else undefined. */
  readonly usage: SettlementUsage | undefined;
}

/** Classification of a time piece: everything about the price that depends on the time. */
interface TimeClass {
  /** The tariff version in force over the piece. */
  readonly tariff: Tariff;
  readonly period: TouPeriod;
  readonly baseE4: number;
  readonly settlementKey: string | undefined;
}

/** The TOU period in force at a local time (weekend schedule on weekend days and holidays). */
export function touPeriodAt(schedule: TouSchedule, local: LocalParts): TouPeriod {
  const restDay = schedule.weekendDays.has(local.weekday) || schedule.holidays.has(local.dateKey);
  for (const window of restDay ? schedule.weekend : schedule.weekday) {
    if (windowContains(window, local.minuteOfDay)) return window.period;
  }
  return schedule.defaultPeriod;
}

/** Settlement period key of a local time: "YYYY-MM" monthly, "YYYY" yearly. */
export function settlementKeyOf(settlement: "monthly" | "yearly", local: LocalParts): string {
  return settlement === "monthly" ? local.dateKey.slice(0, 7) : local.dateKey.slice(0, 4);
}

/**
 * The usage counted in settlement period `key`: the stored usage if it is of that period, else a new
 * period at 0 Wh. The period never goes back: when the local calendar does (a zone changed westwards
 * across the boundary, or clocks set back over local midnight at a month start), counting carries on
 * in the later period, so a counter resets once per boundary. Keys of another settlement (monthly to
 * yearly) start a new period.
 */
export function usageIn(usage: SettlementUsage | undefined, key: string): SettlementUsage {
  if (usage === undefined) return { periodKey: key, usedWh: 0 };
  const sameForm = usage.periodKey.length === key.length;
  return sameForm && usage.periodKey >= key ? usage : { periodKey: key, usedWh: 0 };
}

/** Index of the tier that applies once `usedWh` has been used in the settlement period. */
export function tierIndexFor(tiers: readonly Tier[], usedWh: number): number {
  let index = 0;
  tiers.forEach((tier, i) => {
    if (tier.fromWh <= usedWh) index = i;
  });
  return index;
}

/** The price in force at `atMs` for the next Wh, given the settlement usage (for display and uplink). */
export function priceAt(
  tariff: Tariff,
  timeZone: string,
  atMs: number,
  usage?: SettlementUsage,
): { readonly priceE4: number; readonly period: TouPeriod; readonly tier: number } {
  const local = localParts(atMs, timeZone);
  const time = classify(tariff, local);
  if (tariff.kind !== "tiered") return { priceE4: time.baseE4, period: time.period, tier: 0 };
  const usedWh = usageIn(usage, time.settlementKey ?? "").usedWh;
  const tier = tierIndexFor(tariff.tiers, usedWh);
  return { priceE4: time.baseE4 + (tariff.tiers[tier]?.incrementE4 ?? 0), period: time.period, tier };
}

/** Charges `energyWh` used over [fromMs, toMs]; see the module comment for how it is split. */
export function chargeEnergy(request: ChargeRequest): ChargeResult {
  const { fromMs, toMs, energyWh } = request;
  assertSafeInteger(energyWh, "energyWh");
  assertSafeInteger(fromMs, "fromMs");
  assertSafeInteger(toMs, "toMs");
  if (energyWh < 0) throw new RangeError(`energyWh ${energyWh} is negative`);
  const segments = versionSpans(request).flatMap((span) => timePieces({ ...request, ...span }));
  const allotted = allocateProportionally(
    energyWh,
    segments.map((s) => s.toMs - s.fromMs),
  );
  const parts: ChargePart[] = [];
  let usage = request.usage;
  segments.forEach((segment, index) => {
    const wh = allotted[index] ?? 0;
    const time = segment.value;
    const tariff = time.tariff;
    if (tariff.kind !== "tiered") {
      if (wh > 0) parts.push(makePart(wh, time.baseE4, time, 0, segment));
      return;
    }
    // Rollover (or usage from another period): the tier count starts again at 0.
    const counted = usageIn(usage, time.settlementKey ?? "");
    const key = counted.periodKey;
    let usedWh = counted.usedWh;
    let remaining = wh;
    while (remaining > 0) {
      const tier = tierIndexFor(tariff.tiers, usedWh);
      const nextStart = tariff.tiers[tier + 1]?.fromWh ?? Number.POSITIVE_INFINITY;
      const take = Math.min(remaining, nextStart - usedWh);
      const priceE4 = time.baseE4 + (tariff.tiers[tier]?.incrementE4 ?? 0);
      parts.push(makePart(take, priceE4, time, tier, segment));
      usedWh = addExact(usedWh, take);
      remaining -= take;
    }
    usage = { periodKey: key, usedWh };
  });
  const amountE7 = parts.reduce((sum, part) => addExact(sum, part.amountE7), 0);
  return { parts, energyWh, amountE7, usage: request.tariff.kind === "tiered" ? usage : undefined };
}

/** [fromMs, toMs] cut where the tariff changed, each span with the version in force over it. */
function versionSpans(request: ChargeRequest): Array<{ tariff: Tariff; fromMs: number; toMs: number }> {
  const { fromMs, toMs } = request;
  const spans: Array<{ tariff: Tariff; fromMs: number; toMs: number }> = [];
  let start = fromMs;
  for (const version of request.earlier ?? []) {
    if (version.untilMs <= start) continue;
    const end = Math.min(version.untilMs, toMs);
    spans.push({ tariff: version.tariff, fromMs: start, toMs: end });
    start = end;
    if (start >= toMs) return spans;
  }
  spans.push({ tariff: request.tariff, fromMs: start, toMs });
  return spans;
}

function makePart(
  wh: number,
  priceE4: number,
  time: TimeClass,
  tier: number,
  segment: { readonly fromMs: number; readonly toMs: number },
): ChargePart {
  return {
    wh,
    priceE4,
    period: time.period,
    tier,
    amountE7: chargeE7(wh, priceE4),
    fromMs: segment.fromMs,
    toMs: segment.toMs,
    settlementKey: time.settlementKey,
  };
}

function timePieces(request: ChargeRequest) {
  const { tariff, timeZone, fromMs, toMs } = request;
  if (tariff.kind === "flat") {
    // Nothing about a flat price depends on the time: one piece, no time zone work.
    const value: TimeClass = { tariff, period: "flat", baseE4: tariff.priceE4, settlementKey: undefined };
    return [{ fromMs, toMs, value }];
  }
  const schedule = scheduleOf(tariff);
  return splitByLocalRule(
    fromMs,
    toMs,
    timeZone,
    schedule?.boundaryMinutes ?? [],
    (local) => classify(tariff, local),
    (a, b) => a.period === b.period && a.baseE4 === b.baseE4 && a.settlementKey === b.settlementKey,
  );
}

function scheduleOf(tariff: Tariff): TouSchedule | undefined {
  if (tariff.kind === "tou") return tariff.schedule;
  if (tariff.kind === "tiered" && tariff.base.kind === "tou") return tariff.base.schedule;
  return undefined;
}

function classify(tariff: Tariff, local: LocalParts): TimeClass {
  switch (tariff.kind) {
    case "flat":
      return { tariff, period: "flat", baseE4: tariff.priceE4, settlementKey: undefined };
    case "tou":
      return {
        tariff,
        ...basePrice({ kind: "tou", schedule: tariff.schedule }, local),
        settlementKey: undefined,
      };
    case "tiered":
      return {
        tariff,
        ...basePrice(tariff.base, local),
        settlementKey: settlementKeyOf(tariff.settlement, local),
      };
  }
}

function basePrice(base: TariffBase, local: LocalParts): { period: TouPeriod; baseE4: number } {
  if (base.kind === "flat") return { period: "flat", baseE4: base.priceE4 };
  const period = touPeriodAt(base.schedule, local);
  const baseE4 = base.schedule.pricesE4[period];
  // The schema guarantees a price for every period a schedule can produce; a hand-built one may not.
  if (baseE4 === undefined)
    throw new GatewayError(ErrorCode.Internal, `TOU period "${period}" has no price`, { period });
  return { period, baseE4 };
}
