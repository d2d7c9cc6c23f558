import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { localParts } from "./local-time.ts";
import { formatPriceE4 } from "./money.ts";
import { compileTariff, tariffConfigSchema, TOU_PERIODS, type Tariff } from "./tariff-config.ts";
import { chargeEnergy, settlementKeyOf, tierIndexFor, touPeriodAt, type SettlementUsage } from "./tariff.ts";

const ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"];
const DAY = 86_400_000;

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

const priceArb = fc.integer({ min: 0, max: 99_999_999 }).map(formatPriceE4);

/** Random non-overlapping daily windows (some minutes left to the default period) and all four prices. */
const windowsArb = fc
  .record({
    cuts: fc.uniqueArray(fc.integer({ min: 0, max: 1439 }), { minLength: 2, maxLength: 8 }),
    periods: fc.array(fc.option(fc.constantFrom(...TOU_PERIODS)), { minLength: 8, maxLength: 8 }),
  })
  .map(({ cuts, periods }) => {
    const sorted = [...cuts].sort((a, b) => a - b);
    return sorted.flatMap((from, i) => {
      const period = periods[i];
      const to = sorted[(i + 1) % sorted.length] ?? 0;
      return period === null || period === undefined ? [] : [{ period, from: hhmm(from), to: hhmm(to) }];
    });
  });

const scheduleArb = fc.record({
  prices: fc.record({ sharp: priceArb, peak: priceArb, flat: priceArb, valley: priceArb }),
  weekday: windowsArb,
  weekend: fc.option(windowsArb, { nil: undefined }),
  holidays: fc.uniqueArray(
    fc
      .integer({ min: 0, max: 365 * 6 })
      .map((d) => new Date(Date.UTC(2025, 0, 1) + d * DAY).toISOString().slice(0, 10)),
    { maxLength: 20 },
  ),
  defaultPeriod: fc.constantFrom(...TOU_PERIODS),
});

const tiersArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 2_000_000 }), { maxLength: 6 })
  .chain((thresholds) =>
    fc
      .array(priceArb, { minLength: thresholds.length + 1, maxLength: thresholds.length + 1 })
      .map((increments) =>
        [0, ...[...thresholds].sort((a, b) => a - b)].map((fromWh, i) => ({
          fromWh,
          increment: increments[i] ?? "0",
        })),
      ),
  );

const tariffArb: fc.Arbitrary<Tariff> = fc
  .oneof(
    priceArb.map((price) => ({ id: "f", kind: "flat", price })),
    scheduleArb.map((schedule) => ({ id: "t", kind: "tou", ...schedule })),
    fc
      .record({
        base: fc.oneof(
          priceArb.map((price) => ({ price })),
          scheduleArb.map((tou) => ({ tou })),
        ),
        settlement: fc.constantFrom("monthly" as const, "yearly" as const),
        tiers: tiersArb,
      })
      .map(({ base, settlement, tiers }) => ({ id: "x", kind: "tiered", ...base, settlement, tiers })),
  )
  .map((config) => compileTariff(tariffConfigSchema.parse(config)));

/** A meter's life: start time, then (elapsed ms, energy Wh) steps. */
const readingsArb = fc.record({
  startMs: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2030, 0, 1) }),
  steps: fc.array(
    fc.record({
      elapsedMs: fc.integer({ min: 0, max: 3 * DAY }),
      energyWh: fc.integer({ min: 0, max: 100_000 }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

describe("chargeEnergy properties", () => {
  it("never loses or invents a Wh, prices every part exactly and by the rules, across random tariffs", () => {
    fc.assert(
      fc.property(tariffArb, fc.constantFrom(...ZONES), readingsArb, (tariff, zone, { startMs, steps }) => {
        let at = startMs;
        let usage: SettlementUsage | undefined;
        let totalWh = 0;
        let totalE7 = 0n;
        for (const step of steps) {
          const result = chargeEnergy({
            tariff,
            timeZone: zone,
            fromMs: at,
            toMs: at + step.elapsedMs,
            energyWh: step.energyWh,
            usage,
          });
          // Exact energy conservation and exact amounts (BigInt reference: no float drift possible).
          expect(result.parts.reduce((sum, p) => sum + p.wh, 0)).toBe(step.energyWh);
          const reference = result.parts.reduce((sum, p) => sum + BigInt(p.wh) * BigInt(p.priceE4), 0n);
          expect(BigInt(result.amountE7)).toBe(reference);
          for (const part of result.parts) {
            expect(part.wh).toBeGreaterThan(0);
            expect(part.amountE7).toBe(part.wh * part.priceE4);
            expect(Number.isSafeInteger(part.amountE7)).toBe(true);
            expect(part.fromMs).toBeGreaterThanOrEqual(at);
            expect(part.toMs).toBeLessThanOrEqual(at + step.elapsedMs);
          }
          usage = checkPrices(tariff, zone, result.parts, usage);
          if (tariff.kind === "tiered") {
            // The usage returned is that of the period in force at the end of the interval.
            const endKey = settlementKeyOf(
              tariff.settlement,
              localParts(Math.max(at, at + step.elapsedMs - 1), zone),
            );
            if (usage?.periodKey !== endKey) usage = { periodKey: endKey, usedWh: 0 };
          }
          expect(result.usage).toEqual(tariff.kind === "tiered" ? usage : undefined);
          totalWh += step.energyWh;
          totalE7 += reference;
          at += step.elapsedMs;
        }
        expect(totalWh).toBe(steps.reduce((sum, s) => sum + s.energyWh, 0));
        expect(totalE7).toBeGreaterThanOrEqual(0n);
      }),
      { numRuns: 200 },
    );
  });
});

/** Re-derives each part's price from its time and the running tier usage; returns the usage after. */
function checkPrices(
  tariff: Tariff,
  zone: string,
  parts: ReturnType<typeof chargeEnergy>["parts"],
  before: SettlementUsage | undefined,
): SettlementUsage | undefined {
  let usage = before;
  for (const part of parts) {
    const local = localParts(part.fromMs, zone);
    const schedule =
      tariff.kind === "tou"
        ? tariff.schedule
        : tariff.kind === "tiered" && tariff.base.kind === "tou"
          ? tariff.base.schedule
          : undefined;
    const period = schedule === undefined ? "flat" : touPeriodAt(schedule, local);
    expect(part.period).toBe(period);
    const base =
      tariff.kind === "flat"
        ? tariff.priceE4
        : schedule !== undefined
          ? schedule.pricesE4[period]
          : tariff.kind === "tiered" && tariff.base.kind === "flat"
            ? tariff.base.priceE4
            : -1;
    if (tariff.kind !== "tiered") {
      expect(part.priceE4).toBe(base);
      expect(part.tier).toBe(0);
      continue;
    }
    const key = settlementKeyOf(tariff.settlement, local);
    expect(part.settlementKey).toBe(key);
    const used = usage?.periodKey === key ? usage.usedWh : 0;
    const tier = tierIndexFor(tariff.tiers, used);
    expect(part.tier).toBe(tier);
    expect(part.priceE4).toBe((base ?? -1) + (tariff.tiers[tier]?.incrementE4 ?? 0));
    // A part never straddles a threshold.
    expect(used + part.wh).toBeLessThanOrEqual(tariff.tiers[tier + 1]?.fromWh ?? Number.MAX_SAFE_INTEGER);
    usage = { periodKey: key, usedWh: used + part.wh };
  }
  return usage;
}
