/**
 * Refusals of the prepaid operations say what to act on (`details`, docs/mqtt.md 6.5), and
 * METER_NOT_READ is what a relay command before the meter's first relay read-back gets.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openCommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs, noticeRigConfig } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

describe("refusal details", () => {
  it("refuses relay before the meter's first poll with METER_NOT_READ, and after it not", () => {
    const rig = openCommandRig();
    const cut = { meter: "m1", action: "cut", reason: "arrears" };
    expect(rig.send("relay", cut)).toMatchObject({ code: "METER_NOT_READ", details: { meter: "m1" } });
    rig.ingest([rig.read("m1", 1000)]);
    expect(rig.send("relay", cut)).toMatchObject({ status: "ok" });
  });

  it("names the keep-power, the held anomalies and the known tariffs", () => {
    const rig = openCommandRig(noticeRigConfig);
    rig.ingest([rig.read("h1", 1000)]);
    expect(rig.send("relay", { meter: "h1", action: "cut", reason: "arrears" })).toMatchObject({
      code: "PROTECTED",
      details: { account: "hospital", reason: "hospital", untilMs: null },
    });
    expect(
      rig.send("anomaly.resolve", { meter: "m1", anomaly: 9, action: "waive", reason: "x" }),
    ).toMatchObject({ code: "UNKNOWN_ANOMALY", details: { meter: "m1", heldAnomalies: [] } });
    expect(rig.send("account.set", { account: "a1", tariff: "nope" })).toMatchObject({
      code: "UNKNOWN_TARIFF",
      details: { tariff: "nope", tariffs: ["flat"] },
    });
  });
});

describe("protect", () => {
  it("refuses keep-power with an until already past as UNTIL_PASSED and changes nothing", () => {
    const rig = openCommandRig();
    const nowMs = rig.clock.now();
    const on = (until: number) => ({ account: "a1", on: true, until, reason: "hospital" });
    expect(rig.send("protect", on(nowMs - 1000))).toMatchObject({
      code: "UNTIL_PASSED",
      details: { untilMs: nowMs - 1000, gatewayTimeMs: nowMs },
    });
    expect(rig.store.accounts.get("a1")?.protection).toBeNull();
    expect(rig.send("protect", on(nowMs + 60_000))).toMatchObject({ status: "ok" });
  });
});
