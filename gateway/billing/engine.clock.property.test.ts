/**
 * Billing through random clock trouble (issue 10): NTP steps forward and back, restarts whose wall clock
 * boots at 1970 or 20 years ahead, and monotonic times with fractions as performance.now() gives them,
 * through the real engine on a real SQLite file. Whatever happened, once the clock is right again
 * billing goes on, no reading is charged twice, nothing negative is charged, and every Wh the meter
 * counted is either charged or held for a command (an implausible jump), exactly once.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock, type Clock, type TimerHandle } from "../../core/clock.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { heldAnomalies } from "./anomalies.ts";
import {
  oddTariffs,
  oneMeterSettings,
  startEngine,
  ingestInto,
} from "../../test/helpers/billing/engine-rig.ts";

const HOUR = 3_600_000;
const YEAR = 365 * 24 * HOUR;

/** A ManualClock whose monotonic time carries a fraction of a millisecond, as performance.now() does. */
class FractionalClock implements Clock {
  constructor(readonly manual: ManualClock) {}
  now(): number {
    return this.manual.now();
  }
  monotonicMs(): number {
    const ms = this.manual.monotonicMs();
    // A fraction that depends on the whole part only, so the clock still never goes backwards.
    return ms + ((ms * 0.6180339887) % 1);
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.manual.setTimeout(fn, ms);
  }
  clearTimeout(handle: TimerHandle): void {
    this.manual.clearTimeout(handle);
  }
  sleep(ms: number): Promise<void> {
    return this.manual.sleep(ms);
  }
}

type Step =
  /** Time passes with a load, then the meter is read. */
  | { kind: "use"; afterMs: number; powerW: number }
  /** NTP (or a person) steps the wall clock; monotonic time does not move. */
  | { kind: "step"; byMs: number }
  /** The wall clock is set right again. */
  | { kind: "ntp" }
  /** The process restarts after `downMs` (the load goes on); its wall clock boots right, at 1970, or 20 years ahead. */
  | { kind: "restart"; downMs: number; boot: "kept" | "1970" | "future" };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("use" as const),
      afterMs: fc.integer({ min: 1_000, max: HOUR }),
      powerW: fc.integer({ min: 0, max: 9_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("step" as const),
      byMs: fc.oneof(
        fc.integer({ min: -2 * HOUR, max: 2 * HOUR }),
        fc.constantFrom(HOUR, -HOUR, 30 * 24 * HOUR, -30 * 24 * HOUR, 20 * YEAR),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("ntp" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("restart" as const),
      downMs: fc.integer({ min: 0, max: 10 * 60_000 }),
      boot: fc.constantFrom("kept" as const, "1970" as const, "future" as const),
    }),
  },
);

const tariffs = fc.constantFrom(oddTariffs.flat, oddTariffs.tou);

const temp = new TempStores();
afterEach(() => temp.cleanup());

describe("billing through random clock steps and restarts", () => {
  // A boot 20 years ahead charges the downtime over 20 years of time-of-use periods: about a second each.
  it(
    "charges every counted Wh once (or holds it), never negatively, and bills on once the clock is right",
    { timeout: 90_000 },
    () => {
      fc.assert(
        fc.property(tariffs, fc.array(step, { minLength: 1, maxLength: 30 }), (tariff, steps) => {
          const settings = oneMeterSettings(tariff, "10000.00");
          const dataDir = temp.dir();
          let trueWallMs = Date.UTC(2026, 2, 28, 21, 0, 0);
          let offsetMs = 0;
          let energyWh = 1_000_000;
          const firstWh = energyWh;
          const boot = () => {
            const manual = new ManualClock(trueWallMs + offsetMs);
            manual.advance(1_500); // the process has been up a little before its first poll
            trueWallMs += 1_500;
            const clock = new FractionalClock(manual);
            const store = temp.open({ dataDir, clock: manual });
            const engine = startEngine({ store, clock, settings });
            return { manual, clock, store, engine, ingest: ingestInto(store, engine) };
          };
          let g = boot();
          let lastReadingId = 0;
          const read = () => {
            g.ingest([
              {
                meterId: "m",
                busId: "b",
                unit: 1,
                wallMs: g.clock.now(),
                monoMs: g.clock.monotonicMs(),
                values: { importEnergyWh: energyWh },
                quality: [],
                durationMs: 1,
              },
            ]);
            lastReadingId = g.store.readings.latestForMeter("m")!.id;
          };
          const use = (afterMs: number, powerW: number) => {
            g.manual.advance(afterMs);
            trueWallMs += afterMs;
            energyWh += Math.round((powerW * afterMs) / HOUR);
            read();
          };
          read();
          for (const s of steps) {
            switch (s.kind) {
              case "use":
                use(s.afterMs, s.powerW);
                break;
              case "step":
                offsetMs += s.byMs;
                g.manual.setWallClock(trueWallMs + offsetMs);
                break;
              case "ntp":
                offsetMs = 0;
                g.manual.setWallClock(trueWallMs);
                break;
              case "restart":
                g.store.close();
                trueWallMs += s.downMs;
                energyWh += Math.round((2_000 * s.downMs) / HOUR);
                if (s.boot === "1970") offsetMs = Date.UTC(1970, 0, 1, 0, 0, 30) - trueWallMs;
                if (s.boot === "future") offsetMs = 20 * YEAR;
                g = boot();
                break;
            }
          }
          // The anomaly clears: the clock is set right and the meter is read a few more times.
          offsetMs = 0;
          g.manual.setWallClock(trueWallMs);
          for (let i = 0; i < 6; i++) use(60_000, 1_000);

          const charges = g.store.ledger
            .forAccount("a", { limit: 100_000 })
            .filter((e) => e.kind === "charge");
          const parts = charges.flatMap((e) => e.tariffParts as Array<{ wh: number; amountE7: number }>);
          expect(new Set(charges.map((e) => e.readingId)).size).toBe(charges.length);
          for (const e of charges) expect(e.amountE7).toBeLessThanOrEqual(0);
          for (const p of parts) {
            expect(p.wh).toBeGreaterThanOrEqual(0);
            expect(p.amountE7).toBeGreaterThanOrEqual(0);
          }
          // Billing goes on: the last reading was charged, and nothing counted is left uncharged or lost.
          expect(charges.map((e) => e.readingId)).toContain(lastReadingId);
          const chargedWh = parts.reduce((sum, p) => sum + p.wh, 0);
          const heldWh = heldAnomalies(g.store, "m").reduce((sum, a) => sum + a.energyWh, 0);
          expect(chargedWh + heldWh).toBe(energyWh - firstWh);
          for (const e of charges) expect(Number.isSafeInteger(e.atMs)).toBe(true);
        }),
        { numRuns: 25 },
      );
    },
  );
});
