/**
 * A reading's quality flags as the engine stores and publishes them, on a real SQLite file: every flag
 * the metering layer can raise survives in the `quality_flags` column and in the `readings` stream.
 */
import { afterEach, describe, expect, it } from "vitest";
import { qualityFlagsOf, type QualityFlag } from "../metering/reading.ts";
import { closeEngineRigs, noticeRigConfig, openEngineRig } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

describe("prepaid engine: reading quality", () => {
  it("stores and publishes every flag, quantity-missing included, and charges the reading", () => {
    const { store, clock, read, ingest } = openEngineRig(noticeRigConfig);
    ingest([read("m1", 10_000)]);
    clock.advance(60_000);
    const quality: QualityFlag[] = ["retried", "quantity-missing"];
    ingest([{ ...read("m1", 10_200), quality }]);

    const stored = store.readings.latestForMeter("m1")!;
    expect(qualityFlagsOf(stored.qualityFlags)).toEqual(quality);
    const published = store.outbox
      .fetchUndelivered("readings", { limit: 10 })
      .flatMap((r) => (r.payload as { readings: Array<{ quality: string[] }> }).readings);
    expect(published.map((r) => r.quality)).toEqual([[], quality]);
    // 0.2 kWh at 1.0000 yuan/kWh from 1.00: the reading stands without its missing quantity.
    expect(store.accounts.require("a1").balanceE7).toBe(8_000_000);
  });

  it("keeps each flag on a bit of its own", () => {
    const { store, clock, read, ingest } = openEngineRig(noticeRigConfig);
    const all: QualityFlag[] = ["retried", "value-dropped", "clock-jump", "quantity-missing"];
    for (const flag of all) {
      clock.advance(60_000);
      ingest([{ ...read("m1", 10_000), quality: [flag] }]);
    }
    const stored = store.readings.listForMeter("m1", { limit: 10 });
    expect(stored.map((r) => qualityFlagsOf(r.qualityFlags))).toEqual(all.map((f) => [f]));
  });
});
