/**
 * State and one-shot faults, injected through the control interface, as the gateway's real bus layer
 * reads them: energy registers reset or running backwards, a replaced meter, a stuck or dropping relay,
 * and the tamper flag (visible in the control interface and its events).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Reading } from "../../gateway/metering/reading.ts";
import type { MeterView } from "../../simulator/control/views.ts";
import { waitFor } from "../helpers/index.ts";
import { startRig, type Rig } from "./fault-rig.ts";

let rig: Rig;
afterEach(async () => {
  await rig?.stop();
});

/** The next reading of `unit` whose poll started after this call (the harness runs on the system clock). */
async function nextReading(unit: number): Promise<Reading> {
  const after = performance.now();
  return waitFor(() => rig.bus.readings.find((r) => r.unit === unit && r.monoMs - r.durationMs > after), {
    timeoutMs: 10_000,
    description: `a reading of unit ${unit}`,
  });
}

type Events = {
  events: Array<{ kind: string; unit?: number; source: string; detail?: Record<string, unknown> }>;
};

describe("state and one-shot faults seen by the gateway", () => {
  it("energy-reset: the gateway reads the energy registers drop to zero", async () => {
    rig = await startRig("rtu-over-tcp");
    expect((await nextReading(1)).values.importEnergyWh).toBeGreaterThanOrEqual(1_000_000);
    const answer = await rig.sim.api.post<{ fault: null }>("/meters/1/faults", { kind: "energy-reset" });
    expect(answer).toMatchObject({ status: 200, body: { fault: null } });
    expect((await nextReading(1)).values.importEnergyWh).toBeLessThan(100);
    const events = await rig.sim.api.ok<Events>("GET", "/events?unit=1");
    expect(events.events.map((e) => e.kind)).toEqual(["energy-reset"]);
  });

  it("meter-replaced: a new serial number and the new meter's energy", async () => {
    rig = await startRig("rtu-over-tcp");
    expect((await nextReading(1)).values.serialNumber).toBe(10_000_001);
    await rig.sim.api.ok("POST", "/meters/1/faults", {
      kind: "meter-replaced",
      serialNumber: 55_500_001,
      energyWh: 42_000,
    });
    const after = await nextReading(1);
    expect(after.values.serialNumber).toBe(55_500_001);
    expect(after.values.importEnergyWh).toBeGreaterThanOrEqual(42_000);
    expect(after.values.importEnergyWh).toBeLessThan(42_100);
  });

  it("reverse-energy export: negative power, export counting up, import standing still", async () => {
    rig = await startRig("rtu-over-tcp");
    await rig.sim.api.ok("POST", "/meters/1/faults", { kind: "reverse-energy", mode: "export" });
    // One real second is an hour, so energy moves between two polls.
    await rig.sim.api.ok("POST", "/clock/speed", { speed: 3600 });
    const first = await nextReading(1);
    const second = await nextReading(1);
    expect(first.values.powerW).toBe(-2000);
    expect(second.values.exportEnergyWh!).toBeGreaterThan(first.values.exportEnergyWh!);
    expect(second.values.importEnergyWh).toBe(first.values.importEnergyWh);
  });

  it("reverse-energy decreasing: the import register runs down", async () => {
    rig = await startRig("rtu-over-tcp");
    await rig.sim.api.ok("POST", "/meters/1/faults", { kind: "reverse-energy", mode: "decreasing" });
    await rig.sim.api.ok("POST", "/clock/speed", { speed: 3600 });
    const first = await nextReading(1);
    const second = await nextReading(1);
    expect(second.values.importEnergyWh!).toBeLessThan(first.values.importEnergyWh!);
  });

  it("relay-stuck: the write is acknowledged but the relay stays closed; once cleared it moves", async () => {
    rig = await startRig("rtu-over-tcp");
    await rig.sim.api.ok("POST", "/meters/9/faults", { kind: "relay-stuck" });
    await rig.bus.poller.writeRelay("m9", false);
    expect((await nextReading(9)).relayClosed).toBe(true);
    await rig.sim.api.ok("DELETE", "/meters/9/faults/relay-stuck");
    await rig.bus.poller.writeRelay("m9", false);
    expect((await nextReading(9)).relayClosed).toBe(false);
    const writes = await rig.sim.api.ok<{ writes: Array<Record<string, unknown>> }>("GET", "/writes?unit=9");
    expect(writes.writes).toMatchObject([
      { bus: "rig", unit: 9, fc: 5, address: 0, value: 0, result: "ignored" },
      { bus: "rig", unit: 9, fc: 5, address: 0, value: 0, result: "applied" },
    ]);
  });

  it("relay-drop: supply cut without any write, logged as a relay change caused by a fault", async () => {
    rig = await startRig("rtu-over-tcp");
    expect((await nextReading(9)).relayClosed).toBe(true);
    await rig.sim.api.ok("POST", "/meters/9/faults", { kind: "relay-drop" });
    expect((await nextReading(9)).relayClosed).toBe(false);
    expect(await rig.sim.api.ok("GET", "/writes")).toEqual({ writes: [] });
    const events = await rig.sim.api.ok<Events>("GET", "/events?unit=9");
    expect(events.events).toMatchObject([
      { kind: "relay-changed", source: "fault", detail: { closed: false } },
    ]);
  });

  it("tamper: the cover-open flag shows in the control interface and events, and closes after `for`", async () => {
    rig = await startRig("rtu-over-tcp");
    await rig.sim.api.ok("POST", "/meters/9/faults", { kind: "tamper", for: "1h" });
    expect((await rig.sim.api.ok<MeterView>("GET", "/meters/9")).coverOpen).toBe(true);
    // Readings go on: these profiles have no tamper register, so only the simulator tells.
    await nextReading(9);
    await rig.sim.api.ok("POST", "/clock/advance", { by: "1h" });
    expect((await rig.sim.api.ok<MeterView>("GET", "/meters/9")).coverOpen).toBe(false);
    const events = await rig.sim.api.ok<Events>("GET", "/events?unit=9");
    expect(events.events.map((e) => e.kind)).toEqual([
      "fault-injected",
      "tamper-opened",
      "fault-expired",
      "tamper-closed",
    ]);
    expect(rig.bus.scheduler.countersFor("m9").errors).toEqual({});
  });
});
