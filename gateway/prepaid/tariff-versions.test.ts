/**
 * chargeEnergy across a change of the tariff itself (`earlier` versions, set by tariff.set with
 * effectiveFrom): the change cuts the interval like a TOU period boundary, and tier counts carry on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileTariff, tariffConfigSchema, type Tariff } from "./tariff-config.ts";
import { chargeEnergy } from "./tariff.ts";

const TZ = "Asia/Shanghai";
/** Local Shanghai time on Monday 2026-01-05 as epoch ms. */
const at = (h: number, mi = 0) => Date.UTC(2026, 0, 5, h - 8, mi);
const tariff = (config: unknown): Tariff => compileTariff(tariffConfigSchema.parse(config));
const summary = (parts: readonly { wh: number; priceE4: number; tier: number; period: string }[]) =>
  parts.map((p) => [p.wh, p.priceE4, p.period, p.tier]);

const tou = tariff({
  id: "t",
  kind: "tou",
  prices: { peak: "0.9000", flat: "0.6000", valley: "0.3000" },
  weekday: [
    { period: "peak", from: "08:00", to: "11:00" },
    { period: "valley", from: "23:00", to: "07:00" },
  ],
  weekend: [],
  holidays: [],
});
const flat = tariff({ id: "t", kind: "flat", price: "0.5283" });
const tiers = [
  { fromKwh: "0", increment: "0" },
  { fromKwh: "200", increment: "0.05" },
];
const tieredOld = tariff({ id: "t", kind: "tiered", price: "0.4000", settlement: "monthly", tiers });
const tieredNew = tariff({ id: "t", kind: "tiered", price: "0.5000", settlement: "monthly", tiers });

describe("chargeEnergy across tariff versions", () => {
  it("cuts at the change as at a period boundary, each piece at its version's price", () => {
    const charged = chargeEnergy({
      tariff: flat,
      earlier: [{ tariff: tou, untilMs: at(12) }],
      timeZone: TZ,
      fromMs: at(10),
      toMs: at(14),
      energyWh: 4_001,
    });
    expect(summary(charged.parts)).toEqual([
      [1_000, 9_000, "peak", 0],
      [1_000, 6_000, "flat", 0],
      [2_001, 5_283, "flat", 0],
    ]);
    expect(charged.amountE7).toBe(1_000 * 9_000 + 1_000 * 6_000 + 2_001 * 5_283);
  });

  it("keeps counting the settlement period's tier across the change", () => {
    const charged = chargeEnergy({
      tariff: tieredNew,
      earlier: [{ tariff: tieredOld, untilMs: at(13) }],
      timeZone: TZ,
      fromMs: at(12),
      toMs: at(14),
      energyWh: 2_000,
      usage: { periodKey: "2026-01", usedWh: 199_000 },
    });
    expect(summary(charged.parts)).toEqual([
      [1_000, 4_000, "flat", 0],
      [1_000, 5_500, "flat", 1],
    ]);
    expect(charged.usage).toEqual({ periodKey: "2026-01", usedWh: 201_000 });
  });

  it("uses only the versions in force over the interval", () => {
    const request = { timeZone: TZ, fromMs: at(12), toMs: at(13), energyWh: 1_000 };
    const ended = chargeEnergy({ ...request, tariff: flat, earlier: [{ tariff: tou, untilMs: at(12) }] });
    expect(summary(ended.parts)).toEqual([[1_000, 5_283, "flat", 0]]);
    const pending = chargeEnergy({ ...request, tariff: flat, earlier: [{ tariff: tou, untilMs: at(13) }] });
    expect(summary(pending.parts)).toEqual([[1_000, 6_000, "flat", 0]]);
  });
});

const flatAt = (priceE4: number): Tariff => ({ kind: "flat", id: "t", priceE4 });

describe("chargeEnergy at a switch-over to the next set (property)", () => {
  it("splits the energy at the instant by duration, whole Wh, each side at its own set's price", () => {
    const H = 3_600_000;
    const case_ = fc
      .record({
        fromMs: fc.integer({ min: at(0), max: at(0) + 1_000 * H }),
        lengthMs: fc.integer({ min: 1, max: 48 * H }),
        switchAt: fc.double({ min: 0, max: 1, noNaN: true }),
        energyWh: fc.integer({ min: 0, max: 10_000_000 }),
        currentE4: fc.integer({ min: 0, max: 99_999 }),
        nextE4: fc.integer({ min: 0, max: 99_999 }),
      })
      .map((c) => ({
        ...c,
        toMs: c.fromMs + c.lengthMs,
        switchMs: c.fromMs + Math.floor(c.switchAt * c.lengthMs),
      }));
    fc.assert(
      fc.property(case_, (c) => {
        const charged = chargeEnergy({
          tariff: flatAt(c.nextE4),
          earlier: [{ tariff: flatAt(c.currentE4), untilMs: c.switchMs }],
          timeZone: TZ,
          fromMs: c.fromMs,
          toMs: c.toMs,
          energyWh: c.energyWh,
        });
        const before = charged.parts.filter((p) => p.toMs <= c.switchMs);
        const after = charged.parts.filter((p) => p.fromMs >= c.switchMs);
        expect(before.length + after.length).toBe(charged.parts.length); // no part straddles the instant
        const whBefore = before.reduce((sum, p) => sum + p.wh, 0);
        const whAfter = after.reduce((sum, p) => sum + p.wh, 0);
        expect(whBefore + whAfter).toBe(c.energyWh);
        const exact = (c.energyWh * (c.switchMs - c.fromMs)) / c.lengthMs;
        expect(whBefore).toBeGreaterThanOrEqual(Math.floor(exact));
        expect(whBefore).toBeLessThanOrEqual(Math.ceil(exact));
        expect(before.every((p) => p.priceE4 === c.currentE4)).toBe(true);
        expect(after.every((p) => p.priceE4 === c.nextE4)).toBe(true);
        expect(charged.amountE7).toBe(whBefore * c.currentE4 + whAfter * c.nextE4);
      }),
      { numRuns: 1_000 },
    );
  });
});
