/**
 * Effects follow the outermost commit. A remote cut runs the engine's unit of work as a savepoint inside
 * the command handler's; when the handler's own audit insert then fails (a full disk), the whole command
 * rolls back and answers INTERNAL "nothing was changed": the relay must not have moved either.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openCommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs, noticeRigConfig } from "../../test/helpers/billing/engine-rig.ts";

afterEach(closeEngineRigs);

/** A command rig whose disk can be made to fill up for the audit of an executed command. */
function commandRig() {
  const rig = openCommandRig(noticeRigConfig);
  const { store } = rig;
  /** From now on every audit of an executed command fails the way a full disk does. */
  const fillDisk = () =>
    store.db.exec(`CREATE TRIGGER disk_full BEFORE INSERT ON events WHEN NEW.type = 'command.executed'
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
  const freeDisk = () => store.db.exec("DROP TRIGGER disk_full");
  return { ...rig, fillDisk, freeDisk };
}

describe("relay effects of a command wait for the command's commit", () => {
  it("does not write the relay when the handler's transaction rolls back after the engine decided a cut", async () => {
    const { store, clock, relays, engine, read, send, fillDisk, freeDisk, ingest } = commandRig();
    ingest([read("m1", 1000)]); // the meter's first reading: its relay position is known
    clock.advance(1000);
    fillDisk();
    const cut = { meter: "m1", action: "cut", reason: "tamper" };
    expect(send("relay", cut)).toMatchObject({ status: "error", code: "INTERNAL" });
    await engine.relaysSettled();
    // "Nothing was changed" is true: no relay write, no audit row of one.
    expect(relays.writes).toEqual([]);
    expect(store.relayOps.forMeter("m1", 10)).toEqual([]);

    freeDisk();
    clock.advance(1000);
    // The retry is decided afresh (the engine did not keep the rolled-back decision) and carried out.
    expect(send("relay", cut)).toMatchObject({ status: "ok", result: { state: "queued" } });
    await engine.relaysSettled();
    expect(relays.writes).toEqual([["m1", false]]);
    expect(store.relayOps.forMeter("m1", 10)).toMatchObject([{ action: "cut", result: "ok" }]);
  });

  it("does not restore when the handler's transaction rolls back after the engine decided a restore", async () => {
    const { clock, relays, engine, read, send, fillDisk, freeDisk, ingest } = commandRig();
    ingest([read("m1", 1000)]);
    clock.advance(1000);
    expect(send("relay", { meter: "m1", action: "cut", reason: "tamper" })).toMatchObject({ status: "ok" });
    await engine.relaysSettled();
    expect(relays.writes).toEqual([["m1", false]]);

    clock.advance(1000);
    fillDisk();
    const restore = { meter: "m1", action: "restore", reason: "inspected" };
    expect(send("relay", restore)).toMatchObject({ status: "error", code: "INTERNAL" });
    await engine.relaysSettled();
    expect(relays.writes).toEqual([["m1", false]]);

    freeDisk();
    clock.advance(1000);
    expect(send("relay", restore)).toMatchObject({ status: "ok", result: { state: "queued" } });
    await engine.relaysSettled();
    expect(relays.writes).toEqual([
      ["m1", false],
      ["m1", true],
    ]);
  });

  it("keeps charging at the old price when a tariff change rolls back", () => {
    const { store, clock, read, send, fillDisk, freeDisk, ingest } = commandRig();
    const tariff = { tariff: { id: "flat", kind: "flat", price: "2.0000" } };
    ingest([read("m1", 1000)]);
    fillDisk();
    expect(send("tariff.set", tariff)).toMatchObject({ code: "INTERNAL" });
    freeDisk();
    clock.advance(60_000);
    ingest([read("m1", 1100)]); // 0.1 kWh at the old 1.0000 yuan/kWh
    expect(store.accounts.require("a1").balanceE7).toBe(9_000_000);
    expect(send("tariff.set", tariff)).toMatchObject({ status: "ok" });
    clock.advance(60_000);
    ingest([read("m1", 1200)]); // 0.1 kWh at 2.0000
    expect(store.accounts.require("a1").balanceE7).toBe(7_000_000);
  });
});
