/**
 * Ledger invariants through the real engine and a real SQLite file, over random readings, tariffs,
 * top-ups and restarts (close the store, build a new engine on the same file).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { chargeE7 } from "../prepaid/index.ts";
import { openStore } from "../store/index.ts";
import { PrepaidOperations } from "./operations.ts";
import {
  oddTariffs,
  oneMeterSettings,
  startEngine,
  ingestInto,
} from "../../test/helpers/billing/engine-rig.ts";

type Step =
  | { kind: "reading"; deltaWh: number; afterMs: number }
  | { kind: "topup"; fen: number }
  | { kind: "restart" };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("reading" as const),
      deltaWh: fc.integer({ min: 0, max: 400 }),
      afterMs: fc.integer({ min: 60_000, max: 3_600_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("topup" as const), fen: fc.integer({ min: 1, max: 50_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
);

const tariffs = fc.constantFrom(oddTariffs.flat, oddTariffs.tou, oddTariffs.tiered);

describe("engine ledger invariants across restarts", () => {
  it("balance = opening + top-ups - charges, each reading charged once, charged energy = metered energy", () => {
    fc.assert(
      fc.property(tariffs, fc.array(step, { minLength: 1, maxLength: 40 }), (tariff, steps) => {
        const settings = oneMeterSettings(tariff, "10.00");
        const dir = mkdtempSync(join(tmpdir(), "engine-prop-"));
        const clock = new ManualClock(Date.UTC(2026, 2, 28, 21, 0, 0));
        const open = () => {
          const store = openStore({ dataDir: dir, clock });
          const engine = startEngine({ store, clock, settings });
          return {
            store,
            engine,
            ops: new PrepaidOperations(engine, store),
            ingest: ingestInto(store, engine),
          };
        };
        let g = open();
        let energyWh = 1_000_000;
        let meteredWh = 0;
        let topupsE7 = 0;
        let seq = 0;
        /** One poll batch with the meter's energy register now. */
        const readEnergy = () =>
          g.ingest([
            {
              meterId: "m",
              busId: "b",
              unit: 1,
              wallMs: clock.now(),
              monoMs: clock.monotonicMs(),
              values: { importEnergyWh: energyWh },
              quality: [],
              durationMs: 1,
            },
          ]);
        try {
          readEnergy();
          for (const s of steps) {
            switch (s.kind) {
              case "reading":
                clock.advance(s.afterMs);
                energyWh += s.deltaWh;
                meteredWh += s.deltaWh;
                readEnergy();
                break;
              case "topup":
                seq += 1;
                expect(
                  g.ops.topup({
                    account: "a",
                    amountFen: s.fen,
                    purchaseSeq: seq,
                    paymentRef: `p${seq}`,
                    source: "local",
                  }).ok,
                ).toBe(true);
                topupsE7 += s.fen * 100_000;
                break;
              case "restart":
                g.store.close();
                g = open();
                break;
            }
          }
          const entries = g.store.ledger.forAccount("a", { limit: 10_000 });
          const charges = entries.filter((e) => e.kind === "charge");
          const chargedE7 = -charges.reduce((sum, e) => sum + e.amountE7, 0);
          expect(g.store.accounts.require("a").balanceE7).toBe(100_000_000 + topupsE7 - chargedE7);
          expect(new Set(charges.map((e) => e.readingId)).size).toBe(charges.length);
          const parts = charges.flatMap(
            (e) => e.tariffParts as Array<{ wh: number; priceE4: number; amountE7: number }>,
          );
          expect(parts.reduce((sum, p) => sum + p.wh, 0)).toBe(meteredWh);
          for (const p of parts) expect(p.amountE7).toBe(chargeE7(p.wh, p.priceE4));
        } finally {
          g.store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });
});
