/**
 * The alarm output of a Modbus meter whose profile names one (a coil here): the driver's setAlarm writes
 * the profile's on / off values, over real TCP to the simulator, which sounds and silences its alarm.
 * A profile without `alarm` offers no alarm control at all.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { ModbusMeterDriver } from "../../gateway/metering/modbus-driver.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator } from "../../simulator/start.ts";
import { profiles } from "../helpers/bus-harness.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("a Modbus meter's alarm output named in its profile", () => {
  it("sounds and silences with the profile's coil values; absent without `alarm`", async () => {
    const withAlarm = {
      ...requireProfile(profiles, "generic-prepaid"),
      alarm: { fc: 5 as const, address: 7, on: 1 as const, off: 0 as const },
    };
    const sim = await startSimulator({
      endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
      meters: [{ unit: 1, profile: withAlarm }],
    });
    cleanups.push(() => sim.stop());
    const scheduler = new BusScheduler<ModbusTransport>(
      modbusTransportFactory({ kind: "tcp", host: "127.0.0.1", port: sim.port! }),
      { busId: "t", clock: new ManualClock(), timeoutMs: 300, interFrameGapMs: 0 },
    );
    cleanups.push(() => scheduler.stop());
    const driver = new ModbusMeterDriver(withAlarm, 1);
    const setAlarm = (on: boolean) =>
      scheduler.enqueue({
        meterId: "m1",
        priority: "relay",
        retries: 0,
        run: (tx) => driver.controls!.setAlarm!(tx, on),
      });
    const meter = sim.bus.meters.get(1)!;

    await setAlarm(true);
    expect(meter.alarmOn).toBe(true);
    await setAlarm(false);
    expect(meter.alarmOn).toBe(false);
    expect(sim.bus.writeLog.map((w) => [w.fc, w.address, w.value, w.result])).toEqual([
      [5, 7, 1, "applied"],
      [5, 7, 0, "applied"],
    ]);
    expect(meter.relayClosed).toBe(true);
    expect(new ModbusMeterDriver(requireProfile(profiles, "generic-prepaid"), 1).controls).toBeUndefined();
  });
});
