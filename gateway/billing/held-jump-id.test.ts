/**
 * Every held-reading event of an implausible energy jump carries the id that resolves it
 * (docs/mqtt.md 3.5): the streak's first `anomaly.implausible-delta` reserves it, the persistent-jump
 * event holds the jump under the same id, and anomaly.resolve takes it. A jump that a later plausible
 * reading explains is charged with that reading and its id resolves nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openCommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

const minute = 60_000;

describe("held energy jump ids", () => {
  it("announces the id with the first implausible reading and holds the persisting jump under it", () => {
    const rig = openCommandRig();
    rig.ingest([rig.read("m1", 1_000)]);
    for (let i = 0; i < 3; i++) {
      rig.clock.advance(minute);
      rig.ingest([rig.read("m1", 101_000)]);
    }
    const events = rig.events("anomaly.implausible-delta");
    expect(events).toHaveLength(2);
    const [first, persisted] = events;
    expect(first?.data["anomalyId"]).toEqual(expect.any(Number));
    expect(persisted?.data).toMatchObject({ reason: "persistent-jump", anomalyId: first?.data["anomalyId"] });
    const resolve = { meter: "m1", anomaly: first?.data["anomalyId"], action: "waive", reason: "test" };
    expect(rig.send("anomaly.resolve", resolve)).toMatchObject({
      status: "ok",
      result: { energyWh: 100_000 },
    });
  });

  it("charges a jump that the next plausible reading explains, and its id resolves nothing", () => {
    const rig = openCommandRig();
    rig.ingest([rig.read("m1", 1_000)]);
    rig.clock.advance(minute);
    rig.ingest([rig.read("m1", 101_000)]); // a garbled register: held
    rig.clock.advance(minute);
    rig.ingest([rig.read("m1", 1_100)]); // plausible since the last charged reading: charged
    const [first] = rig.events("anomaly.implausible-delta");
    expect(rig.store.accounts.get("a1")?.balanceE7).toBe(0.9 * 1e7); // 100 Wh at 1.0000 yuan/kWh
    const resolve = { meter: "m1", anomaly: first?.data["anomalyId"], action: "waive", reason: "test" };
    expect(rig.send("anomaly.resolve", resolve)).toMatchObject({ code: "UNKNOWN_ANOMALY" });
  });
});
