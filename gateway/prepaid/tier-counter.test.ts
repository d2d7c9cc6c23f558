/**
 * Tier (阶梯) settlement: the counter resets exactly at the local start of the month or year, also where
 * a DST change skips or repeats that midnight and when the gateway's time zone is changed; a reading
 * spanning the boundary is split there; the counter reads 0 from the boundary on before any reading.
 * Pure: instants are arguments, no clock at all.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileTariff, tariffConfigSchema, type Tariff } from "./tariff-config.ts";
import { chargeEnergy, tierIndexFor, type ChargePart, type SettlementUsage } from "./tariff.ts";
import { settlementPeriodBounds, tierCounterAt } from "./tier-counter.ts";

const H = 3_600_000;
const tiered = (settlement: "monthly" | "yearly"): Tariff =>
  compileTariff(
    tariffConfigSchema.parse({
      id: "block",
      kind: "tiered",
      price: "0.5000",
      settlement,
      tiers: [
        { fromKwh: "0", increment: "0" },
        { fromKwh: "200", increment: "0.0500" },
        { fromKwh: "400", increment: "0.3000" },
      ],
    }),
  );
const monthly = tiered("monthly");
const iso = (ms: number) => new Date(ms).toISOString();

describe("settlementPeriodBounds", () => {
  it.each([
    ["2026-03", "Europe/Berlin", "2026-02-28T23:00:00.000Z", "2026-03-31T22:00:00.000Z"], // DST inside March
    ["2026", "Asia/Shanghai", "2025-12-31T16:00:00.000Z", "2026-12-31T16:00:00.000Z"],
    ["2012-04", "America/Havana", "2012-04-01T05:00:00.000Z", "2012-05-01T04:00:00.000Z"], // 00:00 skipped
    ["2023-10", "America/Asuncion", "2023-10-01T04:00:00.000Z", "2023-11-01T03:00:00.000Z"], // 00:00 skipped
    ["2026-11", "America/Havana", "2026-11-01T04:00:00.000Z", "2026-12-01T05:00:00.000Z"], // 00:00 twice
  ])("%s in %s: [%s, %s)", (key, zone, from, to) => {
    const bounds = settlementPeriodBounds(key, zone);
    expect([iso(bounds.fromMs), iso(bounds.toMs)]).toEqual([from, to]);
  });
});

describe("a reading spanning the settlement boundary", () => {
  it.each([
    { zone: "Asia/Shanghai", old: "2026-01", key: "2026-02" },
    { zone: "Europe/Berlin", old: "2026-03", key: "2026-04" },
    { zone: "America/Havana", old: "2012-03", key: "2012-04" },
    { zone: "America/Asuncion", old: "2023-09", key: "2023-10" },
    { zone: "America/Havana", old: "2026-10", key: "2026-11" },
  ])("$zone: split at the start of $key, the counter restarts there once", ({ zone, old, key }) => {
    const boundary = settlementPeriodBounds(key, zone).fromMs;
    // 4 h of use, 1 h before the boundary: 1000 Wh before, 3000 Wh after (the repeated hour is 1 h more).
    const charged = chargeEnergy({
      tariff: monthly,
      timeZone: zone,
      fromMs: boundary - H,
      toMs: boundary + 3 * H,
      energyWh: 4_000,
      usage: { periodKey: old, usedWh: 399_500 },
    });
    expect(charged.parts.map((p) => [p.wh, p.tier, p.priceE4, p.settlementKey])).toEqual([
      [500, 1, 5_500, old],
      [500, 2, 8_000, old],
      [3_000, 0, 5_000, key],
    ]);
    expect(charged.parts[1]?.toMs).toBe(boundary);
    expect(charged.parts[2]?.fromMs).toBe(boundary);
    expect(charged.usage).toEqual({ periodKey: key, usedWh: 3_000 });
  });

  it("yearly: counts across month ends and restarts at the local new year", () => {
    const yearly = tiered("yearly");
    const newYear = settlementPeriodBounds("2027", "Asia/Shanghai").fromMs;
    const usage = { periodKey: "2026", usedWh: 100_000 };
    const monthEnd = settlementPeriodBounds("2026-12", "Asia/Shanghai").fromMs;
    const across = { tariff: yearly, timeZone: "Asia/Shanghai", energyWh: 2_000, usage };
    expect(chargeEnergy({ ...across, fromMs: monthEnd - H, toMs: monthEnd + H }).usage).toEqual({
      periodKey: "2026",
      usedWh: 102_000,
    });
    expect(chargeEnergy({ ...across, fromMs: newYear - H, toMs: newYear + H }).usage).toEqual({
      periodKey: "2027",
      usedWh: 1_000,
    });
  });
});

describe("a change of the gateway's time zone", () => {
  it("eastwards: the new zone's boundary, already passed, restarts the counter", () => {
    const at = Date.UTC(2026, 0, 31, 20); // 31 Jan in UTC, already 1 Feb 04:00 in Shanghai
    const usage = { periodKey: "2026-01", usedWh: 150_000 };
    const charged = chargeEnergy({
      tariff: monthly,
      timeZone: "Asia/Shanghai",
      fromMs: at,
      toMs: at + H,
      energyWh: 1_000,
      usage,
    });
    expect(charged.usage).toEqual({ periodKey: "2026-02", usedWh: 1_000 });
  });

  it("westwards: counting carries on in the later period and does not restart again at the old boundary", () => {
    const at = Date.UTC(2026, 0, 31, 17); // 1 Feb 01:00 in Shanghai, where the counter restarted; 31 Jan in UTC
    let usage: SettlementUsage | undefined = { periodKey: "2026-02", usedWh: 1_000 };
    for (const [fromMs, toMs] of [
      [at, at + 6 * H], // still January in UTC
      [at + 6 * H, at + 9 * H], // past UTC midnight: February again, the same period
    ] as const) {
      usage = chargeEnergy({ tariff: monthly, timeZone: "UTC", fromMs, toMs, energyWh: 1_000, usage }).usage;
    }
    expect(usage).toEqual({ periodKey: "2026-02", usedWh: 3_000 });
    expect(tierCounterAt(monthly, usage, at + H, "UTC")).toMatchObject({
      periodKey: "2026-02",
      usedWh: 3_000,
    });
  });
});

describe("tierCounterAt", () => {
  const usage = { periodKey: "2026-03", usedWh: 250_000 };
  const april = settlementPeriodBounds("2026-04", "Europe/Berlin");
  it.each([
    [
      "the last ms of March",
      april.fromMs - 1,
      { periodKey: "2026-03", usedWh: 250_000, tier: 1, tierFromWh: 200_000, nextTierFromWh: 400_000 },
    ],
    [
      "the boundary, before any reading",
      april.fromMs,
      {
        periodKey: "2026-04",
        usedWh: 0,
        tier: 0,
        tierFromWh: 0,
        nextTierFromWh: 200_000,
        periodFromMs: april.fromMs,
        periodToMs: april.toMs,
      },
    ],
  ])("%s", (_name, nowMs, expected) => {
    expect(tierCounterAt(monthly, usage, nowMs, "Europe/Berlin")).toMatchObject({
      settlement: "monthly",
      ...expected,
    });
  });

  it("is undefined for a tariff without tiers", () => {
    expect(
      tierCounterAt({ kind: "flat", id: "f", priceE4: 5_000 }, usage, april.fromMs, "UTC"),
    ).toBeUndefined();
  });
});

describe("tier settlement over any run of readings (property)", () => {
  it("prices every Wh at the tier its period's running total reached, and the counter is the period's sum", () => {
    const zone = "Europe/Berlin";
    const gaps = fc.array(
      fc.record({
        gapMs: fc.integer({ min: 1, max: 40 * 24 * H }),
        energyWh: fc.integer({ min: 0, max: 300_000 }),
      }),
      { minLength: 1, maxLength: 10 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }),
        gaps,
        (startMs, readings) => {
          let usage: SettlementUsage | undefined;
          let fromMs = startMs;
          const parts: ChargePart[] = [];
          for (const { gapMs, energyWh } of readings) {
            const charged = chargeEnergy({
              tariff: monthly,
              timeZone: zone,
              fromMs,
              toMs: fromMs + gapMs,
              energyWh,
              usage,
            });
            parts.push(...charged.parts);
            usage = charged.usage;
            fromMs += gapMs;
          }
          const runningByPeriod = new Map<string, number>();
          for (const part of parts) {
            const key = part.settlementKey ?? "";
            const bounds = settlementPeriodBounds(key, zone);
            expect(part.fromMs).toBeGreaterThanOrEqual(bounds.fromMs); // no part crosses a boundary
            expect(part.toMs).toBeLessThanOrEqual(bounds.toMs);
            const before = runningByPeriod.get(key) ?? 0;
            expect(part.tier).toBe(tierIndexFor(monthly.kind === "tiered" ? monthly.tiers : [], before));
            runningByPeriod.set(key, before + part.wh);
          }
          if (usage !== undefined) expect(usage.usedWh).toBe(runningByPeriod.get(usage.periodKey) ?? 0);
          const counter = tierCounterAt(monthly, usage, fromMs, zone);
          const nowKey = counter?.periodKey ?? "";
          expect(counter?.usedWh).toBe(runningByPeriod.get(nowKey) ?? 0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
