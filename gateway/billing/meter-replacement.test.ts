/** A replaced meter (another serial number at the address), on the prepaid engine and a real SQLite file. */
import { afterEach, describe, expect, it } from "vitest";
import { closeEngineRigs, openEngineRig, type EngineRig } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

/** Balance of a1 in 1e-7 yuan. */
const balance = (r: EngineRig) => r.store.accounts.require("a1").balanceE7;

describe("meter replaced", () => {
  it.each([
    ["reads lower than the old one", 40],
    ["reads far higher than the old one", 9_000_000],
  ])(
    "a new serial whose register %s: raised with both serials and registers, new baseline, jump not charged",
    (_name, newRegisterWh) => {
      const r = openEngineRig();
      r.ingest([r.read("m1", 10_000, { serialNumber: 111 })]);
      r.clock.advance(60_000);
      r.ingest([r.read("m1", 10_500, { serialNumber: 111 })]); // 0.5 kWh -> 0.50 left
      expect(balance(r)).toBe(5_000_000);

      r.clock.advance(60_000);
      r.ingest([r.read("m1", newRegisterWh, { serialNumber: 222 })]);
      expect(balance(r)).toBe(5_000_000);
      expect(r.events("anomaly.meter-replaced")).toEqual([
        {
          kind: "event",
          type: "anomaly.meter-replaced",
          severity: "warning",
          meterId: "m1",
          accountId: "a1",
          message: expect.stringMatching(
            new RegExp(`serial 111 -> 222, register 10500 Wh -> ${newRegisterWh} Wh.*not charged`),
          ) as string,
          data: {
            oldSerial: 111,
            newSerial: 222,
            oldEnergyWh: 10_500,
            newEnergyWh: newRegisterWh,
            confirmed: false,
            superseded: null,
          },
        },
      ]);
      // Not a reading decrease, not an implausible jump to resolve: a replacement.
      expect(r.eventTypes().filter((t) => t.startsWith("anomaly."))).toEqual(["anomaly.meter-replaced@m1"]);

      // The new meter's register is the reference: 0.1 kWh on it is charged, nothing more.
      r.clock.advance(60_000);
      r.ingest([r.read("m1", newRegisterWh + 100, { serialNumber: 222 })]);
      expect(balance(r)).toBe(4_000_000);
      expect(r.engine.meterHealth("m1").replacement).toMatchObject({ oldSerial: 111, newSerial: 222 });
    },
  );

  it("is confirmed by meter.replace.confirm with the new serial, once", () => {
    const r = openEngineRig();
    r.ingest([r.read("m1", 10_000, { serialNumber: 111 })]);
    r.clock.advance(60_000);
    r.ingest([r.read("m1", 40, { serialNumber: 222 })]);

    expect(r.ops.meterReplaceConfirm("m1", 999, "swap on site")).toMatchObject({
      ok: false,
      code: "SERIAL_MISMATCH",
    });
    expect(r.ops.meterReplaceConfirm("nope", 222, "swap on site")).toMatchObject({
      ok: false,
      code: "UNKNOWN_METER",
    });
    expect(r.ops.meterReplaceConfirm("m1", 222, "swap on site, ticket 42")).toEqual({
      ok: true,
      result: { meter: "m1", oldSerial: 111, newSerial: 222, oldEnergyWh: 10_000, newEnergyWh: 40 },
    });
    expect(r.engine.meterHealth("m1").replacement).toBeUndefined();
    expect(r.events("anomaly.resolved").map((e) => e.data)).toEqual([
      {
        anomaly: "meter-replaced",
        oldSerial: 111,
        newSerial: 222,
        reason: "swap on site, ticket 42",
      },
    ]);
    expect(r.ops.meterReplaceConfirm("m1", 222, "again")).toMatchObject({
      ok: false,
      code: "NO_REPLACEMENT_PENDING",
    });
    // The confirmed meter is the known one: the same serial again is no replacement.
    r.clock.advance(60_000);
    r.ingest([r.read("m1", 60, { serialNumber: 222 })]);
    expect(r.events("anomaly.meter-replaced")).toHaveLength(1);
  });
});
