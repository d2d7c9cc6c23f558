/**
 * The daily freeze's figures (docs/mqtt.md 3.4, "Daily and monthly records"): a day's energy is the
 * register difference between the last reading taken before its closing midnight and the reading that
 * closed the meter's previous record (or its first stored reading), in whole Wh, with the two readings'
 * times; its amount is every charge of the meter posted in between, anomaly.resolve charges included.
 */
import { afterEach, describe, expect, it } from "vitest";
import { billingOfKind, flatSiteConfig } from "../../test/helpers/billing/flat-site.ts";
import { openCommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs, type EngineRig } from "../../test/helpers/billing/engine-rig.ts";
import { freeze } from "./jobs.ts";

afterEach(closeEngineRigs);

const minute = 60_000;
const hour = 60 * minute;
const meters = new Map([["m1", "a1"]]);

const dailyRecords = (rig: EngineRig) => billingOfKind(rig, "daily");

/** Moves the rig's clock to `atMs` and reads m1's register there. */
function readAt(rig: EngineRig, atMs: number, energyWh: number): void {
  rig.clock.advance(atMs - rig.clock.now());
  rig.ingest([rig.read("m1", energyWh)]);
}

describe("daily freeze", () => {
  it("counts the first day's energy and gives energy read after midnight to the next day, saying so", () => {
    const rig = openCommandRig(flatSiteConfig); // clock at 2026-01-05 12:00 UTC
    const day5 = Date.UTC(2026, 0, 5);
    readAt(rig, day5 + 12 * hour, 1_000);
    readAt(rig, day5 + 23 * hour, 14_500);
    rig.clock.advance(day5 + 24 * hour - rig.clock.now());
    freeze(rig.store, meters, "UTC", rig.clock.now(), "daily");
    readAt(rig, day5 + 24.5 * hour, 15_000); // used before midnight, read after it
    readAt(rig, day5 + 47.5 * hour, 29_000);
    rig.clock.advance(day5 + 48 * hour - rig.clock.now());
    freeze(rig.store, meters, "UTC", rig.clock.now(), "daily");
    expect(dailyRecords(rig)).toEqual([
      {
        kind: "daily",
        period: "2026-01-05",
        accountId: "a1",
        meterId: "m1",
        energyWh: 13_500,
        fromMs: day5 + 12 * hour,
        toMs: day5 + 23 * hour,
        amount: "13.50",
        closingBalance: "486.50",
        closingEnergyWh: 14_500,
      },
      {
        kind: "daily",
        period: "2026-01-06",
        accountId: "a1",
        meterId: "m1",
        energyWh: 14_500,
        fromMs: day5 + 23 * hour,
        toMs: day5 + 47.5 * hour,
        amount: "14.50",
        closingBalance: "472.00",
        closingEnergyWh: 29_000,
      },
    ]);
  });

  it("includes in the day's amount the charge of a held jump resolved by anomaly.resolve", () => {
    const rig = openCommandRig(flatSiteConfig);
    rig.ingest([rig.read("m1", 1_000)]);
    for (let i = 0; i < 3; i++) {
      rig.clock.advance(minute);
      rig.ingest([rig.read("m1", 101_000)]); // an implausible jump that persists: held
    }
    const [announced] = rig.events("anomaly.implausible-delta");
    const resolve = {
      meter: "m1",
      anomaly: announced?.data["anomalyId"],
      action: "charge",
      reason: "on site",
    };
    expect(rig.send("anomaly.resolve", resolve)).toMatchObject({
      status: "ok",
      result: { amount: "100.00" },
    });
    rig.clock.advance(Date.UTC(2026, 0, 6) - rig.clock.now());
    freeze(rig.store, meters, "UTC", rig.clock.now(), "daily");
    expect(dailyRecords(rig)).toMatchObject([
      { period: "2026-01-05", energyWh: 100_000, amount: "100.00", closingBalance: "400.00" },
    ]);
  });

  it("neither repeats nor loses a day when the gateway's time zone changes", () => {
    const rig = openCommandRig(flatSiteConfig);
    const t0 = Date.UTC(2026, 0, 5, 12);
    readAt(rig, t0, 1_000);
    readAt(rig, Date.UTC(2026, 0, 5, 15), 4_000);
    freeze(rig.store, meters, "Asia/Shanghai", Date.UTC(2026, 0, 5, 16), "daily"); // 00:00 CST: 2026-01-05
    readAt(rig, Date.UTC(2026, 0, 5, 22), 11_000);
    // Now in Europe/Berlin: its midnight of 2026-01-06 is seven hours later and ends 2026-01-05 again.
    freeze(rig.store, meters, "Europe/Berlin", Date.UTC(2026, 0, 5, 23), "daily");
    readAt(rig, Date.UTC(2026, 0, 6, 22), 25_000);
    freeze(rig.store, meters, "Europe/Berlin", Date.UTC(2026, 0, 6, 23), "daily");
    const days = dailyRecords(rig);
    expect(days).toMatchObject([
      { period: "2026-01-05", energyWh: 3_000, fromMs: t0, toMs: Date.UTC(2026, 0, 5, 15), amount: "3.00" },
      {
        period: "2026-01-06",
        energyWh: 21_000,
        fromMs: Date.UTC(2026, 0, 5, 15),
        toMs: Date.UTC(2026, 0, 6, 22),
        amount: "21.00",
        closingEnergyWh: 25_000,
      },
    ]);
    expect(days.reduce((sum, d) => sum + (d["energyWh"] as number), 0)).toBe(25_000 - 1_000);
  });
});
