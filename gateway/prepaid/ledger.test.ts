import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assessReading, type MeterTrack } from "./anomaly.ts";
import {
  addEntry,
  chargeEntryOf,
  EMPTY_TOTALS,
  recompute,
  type LedgerEntry,
  type LedgerTotals,
} from "./ledger.ts";
import { parseMoneyE7 } from "./money.ts";
import { compileTariff, tariffConfigSchema } from "./tariff-config.ts";
import { chargeEnergy, type SettlementUsage } from "./tariff.ts";
import { applyTopUp } from "./topup.ts";

const yuan = parseMoneyE7;

describe("ledger", () => {
  it("computes balance = topups - charges + adjustments", () => {
    const totals = recompute([
      { kind: "adjustment", amountE7: yuan("100"), reason: "opening balance" },
      { kind: "charge", amountE7: 5_283_000, energyWh: 1000 },
      { kind: "topup", amountE7: yuan("50"), seq: 1 },
      { kind: "adjustment", amountE7: yuan("-0.5"), reason: "correction" },
    ]);
    expect(totals).toEqual({
      topupsE7: yuan("50"),
      chargesE7: 5_283_000,
      adjustmentsE7: yuan("99.5"),
      balanceE7: yuan("149.5") - 5_283_000,
      energyWh: 1000,
      lastPurchaseSeq: 1,
    });
  });

  it("refuses invalid entries instead of booking them", () => {
    expect(() => recompute([{ kind: "charge", amountE7: -1, energyWh: 0 }])).toThrow("must not be negative");
    expect(() => recompute([{ kind: "topup", amountE7: 0, seq: 1 }])).toThrow("must be positive");
    expect(() => recompute([{ kind: "adjustment", amountE7: 0.5, reason: "x" }])).toThrow("safe integer");
    expect(() =>
      addEntry(
        { ...EMPTY_TOTALS, balanceE7: Number.MAX_SAFE_INTEGER },
        { kind: "topup", amountE7: 1, seq: 1 },
      ),
    ).toThrow("overflows");
  });

  const tariffs = [
    { id: "f", kind: "flat", price: "0.5283" },
    {
      id: "t",
      kind: "tou",
      prices: { peak: "0.9871", flat: "0.6013", valley: "0.3107" },
      weekday: [
        { period: "peak", from: "08:00", to: "22:00" },
        { period: "valley", from: "23:00", to: "07:00" },
      ],
    },
    {
      id: "x",
      kind: "tiered",
      price: "0.4883",
      settlement: "monthly",
      tiers: [
        { fromKwh: "0", increment: "0" },
        { fromKwh: "50", increment: "0.0501" },
        { fromKwh: "120", increment: "0.3003" },
      ],
    },
  ].map((config) => compileTariff(tariffConfigSchema.parse(config)));

  const operation = fc.oneof(
    fc.record({
      kind: fc.constant("reading" as const),
      elapsedMs: fc.integer({ min: 0, max: 6 * 3_600_000 }),
      wh: fc.integer({ min: 0, max: 20_000 }),
    }),
    fc.record({
      kind: fc.constant("topup" as const),
      seqOffset: fc.integer({ min: -1, max: 2 }),
      fen: fc.integer({ min: 1, max: 50_000 }),
    }),
    fc.record({
      kind: fc.constant("adjustment" as const),
      amountE7: fc.integer({ min: -yuan("20"), max: yuan("20") }),
    }),
  );

  it("keeps balance = topups - charges + adjustments exactly over random readings, tariffs and top-ups", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...tariffs),
        fc.array(operation, { maxLength: 60 }),
        (tariff, operations) => {
          const entries: LedgerEntry[] = [
            { kind: "adjustment", amountE7: yuan("10"), reason: "opening balance" },
          ];
          let totals: LedgerTotals = addEntry(EMPTY_TOTALS, entries[0]!);
          let reference = BigInt(yuan("10"));
          let track: MeterTrack | undefined;
          let wall = Date.UTC(2026, 0, 30);
          let mono = 0;
          let energy = 0;
          let usage: SettlementUsage | undefined;
          let firstEnergy: number | undefined;
          const book = (entry: LedgerEntry) => {
            entries.push(entry);
            totals = addEntry(totals, entry);
          };
          for (const op of operations) {
            if (op.kind === "reading") {
              wall += op.elapsedMs;
              mono += op.elapsedMs;
              // Keep usage physically plausible (41.4 kW at most) so every delta is charged.
              energy += Math.min(op.wh, Math.floor((41_400 * op.elapsedMs) / 3_600_000));
              firstEnergy ??= energy;
              const assessed = assessReading(track, { wallMs: wall, monoMs: mono, energyWh: energy });
              track = assessed.track;
              if (assessed.verdict.kind !== "charge") {
                expect(assessed.verdict.kind).toBe("baseline");
                continue;
              }
              const { deltaWh, fromMs, toMs } = assessed.verdict;
              const charge = chargeEnergy({
                tariff,
                timeZone: "Asia/Shanghai",
                fromMs,
                toMs,
                energyWh: deltaWh,
                usage,
              });
              usage = charge.usage;
              reference -= charge.parts.reduce((sum, p) => sum + BigInt(p.wh) * BigInt(p.priceE4), 0n);
              book(chargeEntryOf(charge));
            } else if (op.kind === "topup") {
              const result = applyTopUp(
                {
                  balanceE7: totals.balanceE7,
                  lastPurchaseSeq: totals.lastPurchaseSeq,
                  hoardingLimitE7: yuan("1000"),
                },
                { seq: totals.lastPurchaseSeq + 1 + op.seqOffset, amountE7: op.fen * 100_000 },
              );
              if (result.kind !== "applied") continue;
              expect(result.balanceE7).toBeLessThanOrEqual(yuan("1000"));
              reference += BigInt(result.amountE7);
              book({ kind: "topup", amountE7: result.amountE7, seq: result.seq });
            } else {
              reference += BigInt(op.amountE7);
              book({ kind: "adjustment", amountE7: op.amountE7, reason: "test" });
            }
            expect(totals.balanceE7).toBe(totals.topupsE7 - totals.chargesE7 + totals.adjustmentsE7);
            expect(BigInt(totals.balanceE7)).toBe(reference);
          }
          expect(recompute(entries)).toEqual(totals);
          // Every Wh read since the first reading was charged: nothing lost to rounding.
          expect(totals.energyWh).toBe(energy - (firstEnergy ?? 0));
        },
      ),
      { numRuns: 150 },
    );
  });
});
