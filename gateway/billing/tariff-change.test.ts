/**
 * A tariff change splits the energy of the reading that spans it (docs/mqtt.md 6.3, `tariff.set`): the
 * energy since the last charged reading is allotted to the time before and after `effectiveFrom` like
 * at a TOU period boundary (by duration, whole Wh, largest remainder), each part at its own price.
 * Default `effectiveFrom`: when the command is applied. Real SQLite file, ManualClock.
 */
import { afterEach, describe, expect, it } from "vitest";
import { billingOfKind, flatSiteConfig } from "../../test/helpers/billing/flat-site.ts";
import { openCommandRig, type CommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs, rigParsedConfig } from "../../test/helpers/billing/engine-rig.ts";
import { planReload, storeReload } from "../service/reload.ts";
import { compilePrepaidSettings } from "./settings.ts";

afterEach(closeEngineRigs);

const minute = 60_000;

const charges = (rig: CommandRig) => billingOfKind(rig, "charge");

const newPrice = { tariff: { id: "flat", kind: "flat", price: "2.0000" } };

describe("tariff.set effectiveFrom", () => {
  it("charges a reading that spans the change at the old price before it and the new price after", () => {
    const rig = openCommandRig(flatSiteConfig); // 2026-01-05 12:00 UTC
    const start = rig.clock.now();
    rig.ingest([rig.read("m1", 1_000)]);
    rig.clock.advance(40 * minute);
    const set = rig.send("tariff.set", { ...newPrice, effectiveFrom: start + 20 * minute });
    expect(set).toMatchObject({
      status: "ok",
      result: { tariff: "flat", effectiveFromMs: start + 20 * minute },
    });
    rig.clock.advance(20 * minute);
    rig.ingest([rig.read("m1", 2_001)]); // 1001 Wh over an hour: 1/3 before the change, 2/3 after
    expect(charges(rig).at(-1)).toMatchObject({
      energyWh: 1_001,
      amount: "1.668",
      parts: [
        { energyWh: 334, price: "1.0000", amount: "0.334" },
        { energyWh: 667, price: "2.0000", amount: "1.334" },
      ],
    });
    expect(rig.store.accounts.require("a1").balanceE7).toBe(500 * 1e7 - 16_680_000);
  });

  it("takes effect when applied by default, and a future effectiveFrom leaves earlier use at the old price", () => {
    const rig = openCommandRig(flatSiteConfig);
    rig.ingest([rig.read("m1", 1_000)]);
    rig.clock.advance(45 * minute);
    expect(rig.send("tariff.set", newPrice)).toMatchObject({
      status: "ok",
      result: { effectiveFromMs: rig.clock.now() },
    });
    rig.clock.advance(15 * minute);
    rig.ingest([rig.read("m1", 2_000)]); // 750 Wh before the change, 250 after
    expect(charges(rig).at(-1)).toMatchObject({ energyWh: 1_000, amount: "1.25" });

    const threePrice = { tariff: { id: "flat", kind: "flat", price: "3.0000" } };
    expect(
      rig.send("tariff.set", { ...threePrice, effectiveFrom: rig.clock.now() + 60 * minute }),
    ).toMatchObject({
      status: "ok",
    });
    rig.clock.advance(30 * minute);
    rig.ingest([rig.read("m1", 2_500)]); // all before the change: 2.0000
    rig.clock.advance(60 * minute);
    rig.ingest([rig.read("m1", 3_500)]); // half before (2.0000), half after (3.0000)
    expect(charges(rig).slice(-2)).toMatchObject([{ amount: "1.00" }, { amount: "2.50" }]);
  });

  it("replaces the next set until its switch-over: the replaced one is never charged", () => {
    const rig = openCommandRig(flatSiteConfig);
    const start = rig.clock.now();
    rig.ingest([rig.read("m1", 1_000)]);
    expect(rig.send("tariff.set", { ...newPrice, effectiveFrom: start + 60 * minute })).toMatchObject({
      status: "ok",
      result: { set: "next", effectiveFromMs: start + 60 * minute },
    });
    rig.clock.advance(10 * minute);
    const three = { tariff: { id: "flat", kind: "flat", price: "3.0000" } };
    const replaced = rig.send("tariff.set", { ...three, effectiveFrom: start + 30 * minute });
    expect(replaced).toMatchObject({
      status: "ok",
      result: { set: "next", effectiveFromMs: start + 30 * minute, replacedNextFromMs: start + 60 * minute },
    });
    rig.clock.advance(50 * minute);
    rig.ingest([rig.read("m1", 2_000)]); // 500 Wh at 1.0000 before the switch-over, 500 Wh at 3.0000 after
    expect(charges(rig).at(-1)).toMatchObject({
      amount: "2.00",
      parts: [
        { energyWh: 500, price: "1.0000" },
        { energyWh: 500, price: "3.0000" },
      ],
    });
  });

  it("refuses to replace a next set once it took effect, with details, changing nothing", async () => {
    const rig = openCommandRig(flatSiteConfig);
    const start = rig.clock.now();
    expect(rig.send("tariff.set", { ...newPrice, effectiveFrom: start + 30 * minute })).toMatchObject({
      status: "ok",
    });
    rig.clock.advance(30 * minute); // exactly the switch-over: the next set is in force
    const three = { tariff: { id: "flat", kind: "flat", price: "3.0000" } };
    for (const effectiveFrom of [start + 30 * minute, start + 10 * minute])
      expect(rig.send("tariff.set", { ...three, effectiveFrom })).toMatchObject({
        status: "error",
        code: "TARIFF_IN_FORCE",
        details: {
          tariff: "flat",
          effectiveFrom,
          inForceSinceMs: start + 30 * minute,
          earliestMs: start + 30 * minute + 1,
        },
      });
    const { tariffs, tariffNext } = await configGet(rig);
    expect({ tariffs, tariffNext }).toEqual({ tariffs: [newPrice.tariff], tariffNext: [] });
  });

  it("config.get shows each tariff's current set, its next set and the switch-over per account", async () => {
    const rig = openCommandRig(flatSiteConfig);
    const switchMs = rig.clock.now() + 60 * minute;
    rig.send("tariff.set", { ...newPrice, effectiveFrom: switchMs });
    const before = await configGet(rig);
    expect(before.tariffs).toEqual([{ id: "flat", kind: "flat", price: "1.0000" }]);
    expect(before.tariffNext).toEqual([
      { tariff: "flat", effectiveFromMs: switchMs, definition: newPrice.tariff },
    ]);
    expect(before.accounts).toMatchObject([
      { id: "a1", tariff: "flat", tariffNextFromMs: switchMs, tierCounter: null },
    ]);
    rig.clock.advance(60 * minute);
    const after = await configGet(rig);
    expect(after).toMatchObject({
      tariffs: [newPrice.tariff],
      tariffNext: [],
      accounts: [{ tariffNextFromMs: null }],
    });
  });
});

describe("a reload that changes a tariff in the file", () => {
  it("makes the file's version the current set from then and keeps the next set", async () => {
    const rig = openCommandRig(flatSiteConfig);
    const start = rig.clock.now();
    rig.ingest([rig.read("m1", 1_000)]);
    rig.send("tariff.set", { ...newPrice, effectiveFrom: start + 60 * minute });
    rig.clock.advance(20 * minute);
    const prev = rigParsedConfig(flatSiteConfig);
    const next = rigParsedConfig(flatSiteConfig.replace('price: "1.0000"', 'price: "1.5000"'));
    const settings = compilePrepaidSettings(next);
    storeReload(rig.store, prev, next, settings, planReload(prev, next), rig.clock.now());
    rig.engine.replaceSettings(settings);
    const reloaded = await configGet(rig);
    expect(reloaded).toMatchObject({
      tariffs: [{ price: "1.5000" }],
      tariffNext: [{ effectiveFromMs: start + 60 * minute, definition: newPrice.tariff }],
    });
    rig.clock.advance(60 * minute);
    rig.ingest([rig.read("m1", 1_800)]); // 200 Wh at 1.0000, 400 at 1.5000 (reload), 200 at 2.0000 (next)
    expect(charges(rig).at(-1)).toMatchObject({
      amount: "1.20",
      parts: [{ price: "1.0000" }, { price: "1.5000" }, { price: "2.0000" }],
    });
  });
});

/** The `config.get` result (a query answers asynchronously). */
async function configGet(rig: CommandRig): Promise<Record<string, unknown>> {
  const pending = rig.send("config.get", {}) as unknown as Promise<{
    result: { config: Record<string, unknown> };
  }>;
  return (await pending).result.config;
}
