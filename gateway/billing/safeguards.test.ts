/**
 * The safeguards through the engine, on a real SQLite file and a ManualClock: the platform-silence watch
 * (events, held cut, the cut once contact returns), "close not allowed" set and lifted by the operation
 * (events, withheld close, kept across a restart), and a configured pre-trip (its wakes on the clock).
 */
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/logger.ts";
import { closeEngineRigs, openEngineRig, startEngine } from "../../test/helpers/billing/engine-rig.ts";
import { rigSettings } from "../../test/helpers/billing/engine-rig.ts";
import { PlatformSilence } from "./platform-silence.ts";
import { PrepaidOperations } from "./operations.ts";

afterEach(closeEngineRigs);

const MIN = 60_000;
const config = (policy: string, account = "") => `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
accounts:
  - { id: a1, tariff: flat, balance: "1.00", overdraftLimit: "0", closeAllowedMin: "0.20"${account} }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10, ${policy} }
`;

describe("platform silence through the engine", () => {
  it("raises keep-power.silence once, holds the due cut, and cuts once a valid message arrives", async () => {
    // The watch needs the rig's store and clock, the rig's engine needs the watch: bound late.
    const late: { silence?: PlatformSilence } = {};
    const rig = openEngineRig(config("cutNoticeMs: 600000, keepPowerAfterSilenceMin: 15"), {
      contact: () => late.silence?.contact(),
    });
    const silence = (late.silence = new PlatformSilence({
      ...{ store: rig.store, clock: rig.clock, logger: silentLogger(), watched: true },
      policy: () => rig.engine.settings.policy,
      onContactReturned: () => rig.engine.reconsider(),
    }));
    silence.start();
    rig.ingest([rig.read("m1", 1000)]);
    rig.clock.advance(5 * MIN);
    silence.heard(); // a signed time.check, say
    rig.clock.advance(5 * MIN);
    rig.ingest([rig.read("m1", 3000)]); // 2 kWh: 1.00 yuan to -1.00, the cut is announced
    expect(rig.eventTypes()).toContain("cut.announced@m1");
    rig.clock.advance(15 * MIN); // 20 min after the message: silent since 5 min; the notice ran out
    expect(rig.events("keep-power.silence")).toEqual([
      expect.objectContaining({
        data: { lastMessageMs: Date.UTC(2026, 0, 5, 12, 5), silentForMs: 15 * MIN },
      }),
    ]);
    rig.ingest([rig.read("m1", 3100)]);
    rig.clock.advance(60 * MIN);
    rig.ingest([rig.read("m1", 3200)]);
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([]);
    expect(rig.events("cut.deferred").map((e) => e.data["reason"])).toEqual(["keep-power-silence"]);
    expect(rig.events("keep-power.silence")).toHaveLength(1);

    silence.heard();
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([["m1", false]]);
    expect(rig.events("keep-power.silence.cleared")).toEqual([
      expect.objectContaining({
        data: { lastMessageMs: Date.UTC(2026, 0, 5, 12, 5), silentForMs: 80 * MIN },
      }),
    ]);
    silence.stop();
  });
});

describe("close not allowed through the operation", () => {
  it("withholds the close after a top-up until lifted, with its events, and survives a restart", async () => {
    const rig = openEngineRig(config("cutNoticeMs: 0"));
    rig.ingest([rig.read("m1", 1000)]);
    rig.clock.advance(10 * MIN);
    rig.ingest([rig.read("m1", 2500)]); // 1.5 kWh: 1.00 yuan to -0.50, cut at once (no notice)
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([["m1", false]]);

    const nowMs = rig.clock.now();
    expect(rig.ops.closeNotAllowed("a1", true, "tampering under investigation", nowMs)).toEqual({
      ok: true,
      result: { account: "a1", on: true, since: nowMs },
    });
    expect(rig.ops.closeNotAllowed("nobody", true, "x", nowMs)).toMatchObject({
      ok: false,
      code: "UNKNOWN_ACCOUNT",
    });
    rig.ops.topup({ account: "a1", amountFen: 1000, purchaseSeq: 1, paymentRef: "p1", source: "local" });
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([["m1", false]]);
    expect(rig.events("restore.blocked").map((e) => e.data)).toEqual([{ restore: "balance" }]);
    expect(rig.events("close-not-allowed.on").map((e) => e.data)).toEqual([
      { reason: "tampering under investigation" },
    ]);

    // A restart: the flag is the account's, in the store.
    const engine = startEngine({
      store: rig.store,
      clock: rig.clock,
      settings: rigSettings(config("cutNoticeMs: 0")),
      relay: rig.relays,
    });
    await engine.relaysSettled();
    expect(rig.relays.writes).toEqual([["m1", false]]);
    const ops = new PrepaidOperations(engine, rig.store);
    expect(ops.closeNotAllowed("a1", false, "investigation closed", rig.clock.now())).toMatchObject({
      ok: true,
      result: { on: false, since: null },
    });
    await engine.relaysSettled();
    expect(rig.relays.writes).toEqual([
      ["m1", false],
      ["m1", true],
    ]);
    expect(rig.events("close-not-allowed.off").map((e) => e.data)).toEqual([
      { reason: "investigation closed" },
    ]);
    expect(rig.store.accounts.require("a1").extras["closeNotAllowed"]).toBeUndefined();
    await engine.stop();
  });
});

describe("pre-trip through the engine", () => {
  it("opens for offMin, closes by itself on the clock, and cuts for good finalAfterMin later", async () => {
    const rig = openEngineRig(config("cutNoticeMs: 0", ", preTrip: { offMin: 5, finalAfterMin: 20 }"));
    rig.ingest([rig.read("m1", 1000)]);
    rig.clock.advance(10 * MIN);
    rig.ingest([rig.read("m1", 2500)]); // 1.5 kWh: 1.00 yuan to -0.50, cut at once (no notice)
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([["m1", false]]);
    rig.clock.advance(5 * MIN); // the wake the decision asked for
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([
      ["m1", false],
      ["m1", true],
    ]);
    rig.clock.advance(20 * MIN);
    await rig.engine.relaysSettled();
    expect(rig.relays.writes).toEqual([
      ["m1", false],
      ["m1", true],
      ["m1", false],
    ]);
    expect(rig.store.relayOps.forMeter("m1", 10).map((o) => o.reason)).toEqual([
      "arrears",
      "pre-trip-over",
      "pre-trip",
    ]);
  });
});

describe("platform silence after a reload", () => {
  it("a silence limit set by a reload is watched from the last message", () => {
    const rig = openEngineRig(config("cutNoticeMs: 0"));
    let policy = rig.engine.settings.policy;
    const silence = new PlatformSilence({
      ...{ store: rig.store, clock: rig.clock, logger: silentLogger(), watched: true },
      policy: () => policy,
      onContactReturned: () => rig.engine.reconsider(),
    });
    silence.start();
    silence.heard();
    rig.clock.advance(60 * MIN);
    expect(rig.events("keep-power.silence")).toEqual([]);
    policy = { ...policy, keepPowerAfterSilenceMs: 30 * MIN };
    silence.policyChanged();
    rig.clock.advance(1); // the limit has passed already: the watch fires at once
    expect(rig.events("keep-power.silence").map((e) => e.data["silentForMs"])).toEqual([60 * MIN]);
    expect(silence.isSilent).toBe(true);
    silence.stop();
  });
});
