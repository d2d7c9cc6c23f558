import { describe, expect, it } from "vitest";
import { compileTariff, tariffConfigSchema, tariffListSchema, type Tariff } from "./tariff-config.ts";
import { chargeEnergy, priceAt } from "./tariff.ts";

const TZ = "Asia/Shanghai";
/** Local Shanghai time as epoch ms. */
const sh = (y: number, mo: number, d: number, h = 0, mi = 0) => Date.UTC(y, mo - 1, d, h - 8, mi);

function tariff(config: unknown): Tariff {
  return compileTariff(tariffConfigSchema.parse(config));
}

const touSchedule = {
  prices: { sharp: "1.2000", peak: "0.9000", flat: "0.6000", valley: "0.3000" },
  weekday: [
    { period: "peak", from: "08:00", to: "11:00" },
    { period: "peak", from: "18:00", to: "19:00" },
    { period: "sharp", from: "19:00", to: "21:00" },
    { period: "peak", from: "21:00", to: "23:00" },
    { period: "valley", from: "23:00", to: "07:00" },
  ],
  weekend: [{ period: "valley", from: "23:00", to: "07:00" }],
  holidays: ["2026-10-01"],
};
const tou = tariff({ id: "tou", kind: "tou", ...touSchedule });
const flat = tariff({ id: "flat", kind: "flat", price: "0.5283" });
const tiered = tariff({
  id: "tiered",
  kind: "tiered",
  price: "0.4883",
  settlement: "monthly",
  tiers: [
    { fromKwh: "0", increment: "0" },
    { fromKwh: "200", increment: "0.05" },
    { fromWh: 400_000, increment: "0.3" },
  ],
});

const summary = (parts: readonly { wh: number; priceE4: number; tier: number; period: string }[]) =>
  parts.map((p) => [p.wh, p.priceE4, p.period, p.tier]);

describe("chargeEnergy", () => {
  it("charges a flat tariff in one exact part", () => {
    const result = chargeEnergy({
      tariff: flat,
      timeZone: TZ,
      fromMs: sh(2026, 1, 5, 10),
      toMs: sh(2026, 1, 5, 11),
      energyWh: 1234,
    });
    expect(summary(result.parts)).toEqual([[1234, 5283, "flat", 0]]);
    expect(result.amountE7).toBe(1234 * 5283);
    expect(result.usage).toBeUndefined();
  });

  it("splits at TOU boundaries proportionally to time, weekday 22:00-24:00 = peak then valley", () => {
    const result = chargeEnergy({
      tariff: tou,
      timeZone: TZ,
      fromMs: sh(2026, 1, 5, 22),
      toMs: sh(2026, 1, 6, 0),
      energyWh: 600,
    });
    expect(summary(result.parts)).toEqual([
      [300, 9000, "peak", 0],
      [300, 3000, "valley", 0],
    ]);
    expect(result.parts[1]?.fromMs).toBe(sh(2026, 1, 5, 23));
    expect(result.amountE7).toBe(300 * 9000 + 300 * 3000);
  });

  it("gives remainder Wh to the largest remainders, ties to the earliest part", () => {
    // 18:00-21:00: peak 1 h, sharp 2 h. 1000 Wh -> 333.33 / 666.67 -> 333 / 667.
    const uneven = chargeEnergy({
      tariff: tou,
      timeZone: TZ,
      fromMs: sh(2026, 1, 5, 18),
      toMs: sh(2026, 1, 5, 21),
      energyWh: 1000,
    });
    expect(summary(uneven.parts)).toEqual([
      [333, 9000, "peak", 0],
      [667, 12000, "sharp", 0],
    ]);
    // 22:30-23:30: half peak, half valley; 1 Wh goes to the earlier half.
    const tie = chargeEnergy({
      tariff: tou,
      timeZone: TZ,
      fromMs: sh(2026, 1, 5, 22, 30),
      toMs: sh(2026, 1, 5, 23, 30),
      energyWh: 1,
    });
    expect(summary(tie.parts)).toEqual([[1, 9000, "peak", 0]]);
  });

  it("uses the weekend schedule on weekend days and holidays", () => {
    const saturday = chargeEnergy({
      tariff: tou,
      timeZone: TZ,
      fromMs: sh(2026, 1, 10, 9),
      toMs: sh(2026, 1, 10, 10),
      energyWh: 100,
    });
    expect(summary(saturday.parts)).toEqual([[100, 6000, "flat", 0]]);
    const holiday = chargeEnergy({
      tariff: tou,
      timeZone: TZ,
      fromMs: sh(2026, 10, 1, 9),
      toMs: sh(2026, 10, 1, 10),
      energyWh: 100,
    });
    expect(summary(holiday.parts)).toEqual([[100, 6000, "flat", 0]]);
    const thursday = chargeEnergy({
      tariff: tou,
      timeZone: TZ,
      fromMs: sh(2026, 10, 8, 9),
      toMs: sh(2026, 10, 8, 10),
      energyWh: 100,
    });
    expect(summary(thursday.parts)).toEqual([[100, 9000, "peak", 0]]);
  });

  it("splits at tier thresholds by energy and reports the new usage", () => {
    const result = chargeEnergy({
      tariff: tiered,
      timeZone: TZ,
      fromMs: sh(2026, 1, 5, 10),
      toMs: sh(2026, 1, 5, 11),
      energyWh: 201_000,
      usage: { periodKey: "2026-01", usedWh: 199_500 },
    });
    expect(summary(result.parts)).toEqual([
      [500, 4883, "flat", 0],
      [200_000, 5383, "flat", 1],
      [500, 7883, "flat", 2],
    ]);
    expect(result.usage).toEqual({ periodKey: "2026-01", usedWh: 400_500 });
  });

  it("restarts the tier count at settlement rollover (local month end)", () => {
    const result = chargeEnergy({
      tariff: tiered,
      timeZone: TZ,
      fromMs: sh(2026, 1, 31, 23),
      toMs: sh(2026, 2, 1, 1),
      energyWh: 2000,
      usage: { periodKey: "2026-01", usedWh: 250_000 },
    });
    expect(result.parts.map((p) => [p.wh, p.tier, p.settlementKey])).toEqual([
      [1000, 1, "2026-01"],
      [1000, 0, "2026-02"],
    ]);
    expect(result.usage).toEqual({ periodKey: "2026-02", usedWh: 1000 });
  });

  it("ignores usage of another settlement period and keys yearly tariffs by year", () => {
    const stale = chargeEnergy({
      tariff: tiered,
      timeZone: TZ,
      fromMs: sh(2026, 3, 5, 10),
      toMs: sh(2026, 3, 5, 11),
      energyWh: 10,
      usage: { periodKey: "2026-02", usedWh: 399_999 },
    });
    expect(stale.parts[0]?.tier).toBe(0);
    const yearly = tariff({
      id: "y",
      kind: "tiered",
      price: "0.5",
      settlement: "yearly",
      tiers: [{ fromWh: 0, increment: "0" }],
    });
    const result = chargeEnergy({
      tariff: yearly,
      timeZone: TZ,
      fromMs: sh(2026, 3, 5),
      toMs: sh(2026, 3, 6),
      energyWh: 10,
    });
    expect(result.usage).toEqual({ periodKey: "2026", usedWh: 10 });
  });

  it("adds tier increments to TOU base prices", () => {
    const touTiered = tariff({
      id: "tt",
      kind: "tiered",
      tou: touSchedule,
      settlement: "yearly",
      tiers: [
        { fromKwh: "0", increment: "0" },
        { fromKwh: "2880", increment: "0.05" },
      ],
    });
    const result = chargeEnergy({
      tariff: touTiered,
      timeZone: TZ,
      fromMs: sh(2026, 1, 5, 22),
      toMs: sh(2026, 1, 6, 0),
      energyWh: 600,
      usage: { periodKey: "2026", usedWh: 2_880_000 },
    });
    expect(summary(result.parts)).toEqual([
      [300, 9500, "peak", 1],
      [300, 3500, "valley", 1],
    ]);
    expect(priceAt(touTiered, TZ, sh(2026, 1, 5, 19, 30), { periodKey: "2026", usedWh: 0 })).toEqual({
      priceE4: 12000,
      period: "sharp",
      tier: 0,
    });
  });

  it("returns no parts for no energy and refuses negative energy or a reversed interval", () => {
    const at = sh(2026, 1, 5, 10);
    expect(
      chargeEnergy({ tariff: tou, timeZone: TZ, fromMs: at, toMs: at + 1000, energyWh: 0 }).parts,
    ).toEqual([]);
    expect(() =>
      chargeEnergy({ tariff: tou, timeZone: TZ, fromMs: at, toMs: at + 1, energyWh: -1 }),
    ).toThrow();
    expect(() =>
      chargeEnergy({ tariff: tou, timeZone: TZ, fromMs: at, toMs: at - 1, energyWh: 1 }),
    ).toThrow();
  });

  it("charges energy of an instantaneous interval at the price in force then", () => {
    const at = sh(2026, 1, 5, 19, 30);
    expect(
      summary(chargeEnergy({ tariff: tou, timeZone: TZ, fromMs: at, toMs: at, energyWh: 7 }).parts),
    ).toEqual([[7, 12000, "sharp", 0]]);
  });
});

describe("tariffConfigSchema", () => {
  const issues = (config: unknown) => {
    const result = tariffConfigSchema.safeParse(config);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("accepts the documented shapes and fills defaults", () => {
    const parsed = tariffConfigSchema.parse({ id: "t", kind: "tou", prices: { flat: "0.6" }, weekday: [] });
    expect(parsed).toMatchObject({ weekendDays: ["sat", "sun"], holidays: [], defaultPeriod: "flat" });
  });

  it("refuses unknown keys, numbers for prices and bad decimals", () => {
    expect(issues({ id: "t", kind: "flat", price: "0.5", colour: "red" }).join()).toContain("colour");
    expect(issues({ id: "t", kind: "flat", price: 0.5 }).join()).toContain(
      'quoted decimal string such as "0.5283"',
    );
    expect(issues({ id: "t", kind: "flat", price: "0.52831" }).join()).toContain("at most 4 allowed");
    expect(issues({ id: "t", kind: "hourly", price: "0.5" })).not.toEqual([]);
  });

  it("refuses overlapping windows and periods without prices", () => {
    expect(
      issues({
        id: "t",
        kind: "tou",
        prices: { peak: "1", flat: "0.5" },
        weekday: [
          { period: "peak", from: "08:00", to: "12:00" },
          { period: "peak", from: "11:00", to: "13:00" },
        ],
      }),
    ).toContain("weekday: TOU windows overlap");
    expect(
      issues({
        id: "t",
        kind: "tou",
        prices: { peak: "1" },
        weekday: [{ period: "peak", from: "08:00", to: "12:00" }],
      }),
    ).toContain('prices.flat: period "flat" is used but has no price');
    expect(
      issues({
        id: "t",
        kind: "tou",
        prices: { valley: "0.3" },
        weekday: [{ period: "valley", from: "00:00", to: "24:00" }],
      }),
    ).toEqual([]);
    expect(
      issues({
        id: "t",
        kind: "tou",
        prices: { flat: "1" },
        weekday: [{ period: "flat", from: "25:00", to: "12:00" }],
      }).join(),
    ).toContain("HH:MM");
  });

  it("checks tiers: start at 0, increase, one unit each, at most 6 thresholds, one base", () => {
    const base = { id: "t", kind: "tiered", price: "0.5", settlement: "monthly" };
    expect(issues({ ...base, tiers: [{ fromKwh: "10", increment: "0" }] })).toContain(
      "tiers.0: the first tier must start at 0",
    );
    expect(
      issues({
        ...base,
        tiers: [
          { fromWh: 0, increment: "0" },
          { fromKwh: "5", increment: "0" },
          { fromKwh: "5", increment: "0" },
        ],
      }),
    ).toContain("tiers.2: tier thresholds must increase");
    expect(issues({ ...base, tiers: [{ fromWh: 0, fromKwh: "0", increment: "0" }] }).join()).toContain(
      "exactly one of fromKwh or fromWh",
    );
    const eight = Array.from({ length: 8 }, (_, i) => ({ fromWh: i * 1000, increment: "0" }));
    expect(issues({ ...base, tiers: eight })).not.toEqual([]);
    expect(issues({ ...base, tiers: eight.slice(0, 7) })).toEqual([]);
    expect(issues({ ...base, tou: touSchedule, tiers: [{ fromWh: 0, increment: "0" }] })).toContain(
      "price: give exactly one base: price (flat) or tou",
    );
  });

  it("refuses duplicate tariff ids in a list", () => {
    const result = tariffListSchema.safeParse([
      { id: "a", kind: "flat", price: "1" },
      { id: "a", kind: "flat", price: "2" },
    ]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('duplicate tariff id "a"');
  });
});
