/**
 * A meter swapped in the middle of a poll (issue 10): the poll reads the old meter's blocks, the meter
 * goes silent on the next request, another meter answers the retry. A reading must never combine two
 * physical meters: the old meter's energy register with the new meter's serial number made the
 * engine raise anomaly.meter-replaced with the old register as the new baseline (newEnergyWh 4000003).
 * The simulator over real TCP; the swap is made from the simulator's request hook, so it falls
 * between the same two requests on every run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { Poller } from "../../gateway/bus/poller.ts";
import { ManualClock } from "../../core/clock.ts";
import { ModbusMeterDriver } from "../../gateway/metering/modbus-driver.ts";
import { readRequestPdu } from "../../protocols/modbus/pdu.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { faultSpecSchema } from "../../simulator/faults/fault-spec.ts";
import { startSimulator } from "../../simulator/start.ts";
import { profiles } from "../helpers/bus-harness.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sdm120 = requireProfile(profiles, "sdm120");
const serialRequest = readRequestPdu(3, 0xfc00, 2);
const energyRequest = readRequestPdu(4, 0x0000, 0x4c);

/** The simulator with the old meter, and a poller over real TCP on a manual clock (retries: 1). */
async function rig() {
  const sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: [{ unit: 1, profile: sdm120, importEnergyWh: 4_000_000, serialNumber: 31000001 }],
  });
  cleanups.push(() => sim.stop());
  const ref = sim.simulation.findMeter(1);
  const clock = new ManualClock();
  // No inter-frame gap: the scheduler never sleeps on the manual clock; reply timeouts are real time.
  const scheduler = new BusScheduler<ModbusTransport>(
    modbusTransportFactory({ kind: "tcp", host: "127.0.0.1", port: sim.port! }),
    { busId: "site", clock, timeoutMs: 200, interFrameGapMs: 0 },
  );
  cleanups.push(() => scheduler.stop());
  const driver = new ModbusMeterDriver(sdm120, 1, { clock });
  const poller = new Poller(scheduler, [{ id: "flat-1", unit: 1, pollIntervalMs: 300, driver }], {
    busId: "site",
    clock,
    retries: 1,
  });
  const fault = (spec: Record<string, unknown>) =>
    sim.simulation.injectFault(ref, faultSpecSchema.parse(spec), "control");
  const swap = () => {
    fault({ kind: "offline" });
    fault({ kind: "meter-replaced", serialNumber: 55555555, energyWh: 0 });
  };
  const back = () => sim.simulation.clearFaults(ref, "offline", "control");
  return { sim, scheduler, poller, swap, back };
}

describe("a meter swapped while a poll is reading it", () => {
  it("gives a reading of the new meter alone: its serial with its own register", async () => {
    const { sim, poller, swap, back } = await rig();
    const before = await poller.readNow("flat-1");
    expect(before.values).toMatchObject({ serialNumber: 31000001 });
    expect(before.values.importEnergyWh).toBeGreaterThanOrEqual(4_000_000);

    // The old meter answers the energy blocks; it is unplugged when the serial number is asked, and
    // the new meter is on the bus in time to answer the retry.
    let serialAsked = 0;
    sim.bus.onRequest = (_unit, pdu) => {
      if (!Buffer.from(pdu).equals(serialRequest)) return;
      serialAsked += 1;
      if (serialAsked === 1) swap();
      if (serialAsked === 2) back();
    };
    const reading = await poller.readNow("flat-1");
    expect(serialAsked).toBeGreaterThanOrEqual(2);
    expect(reading.quality).toContain("retried");
    expect({
      serialNumber: reading.values.serialNumber,
      importEnergyWh: reading.values.importEnergyWh,
    }).toEqual({ serialNumber: 55555555, importEnergyWh: expect.any(Number) as unknown });
    expect(reading.values.importEnergyWh).toBeLessThan(1000);
  });

  it("fails the poll with a named error when the meter breaks off again on the second read", async () => {
    const { sim, scheduler, poller, swap, back } = await rig();
    await poller.readNow("flat-1");
    // Silent on the serial number twice: once in each pass over the blocks, answered on each retry.
    let serialAsked = 0;
    let energyAsked = 0;
    sim.bus.onRequest = (_unit, pdu) => {
      if (Buffer.from(pdu).equals(energyRequest)) energyAsked += 1;
      if (!Buffer.from(pdu).equals(serialRequest)) return;
      serialAsked += 1;
      if (serialAsked % 2 === 1) swap();
      else back();
    };
    await expect(poller.readNow("flat-1")).rejects.toMatchObject({
      code: "READING_INTERRUPTED",
      message:
        "unit 1 broke off in the middle of a reading twice in a row (answered only on a retry): nothing read is kept, its values could come from two meters",
    });
    expect({ serialAsked, energyAsked }).toEqual({ serialAsked: 4, energyAsked: 2 });
    // /status shows what failed the poll, not the request that was answered on its retry.
    expect(scheduler.countersFor("flat-1").lastError).toMatchObject({
      code: "READING_INTERRUPTED",
      message: expect.stringContaining("twice in a row") as unknown,
    });
  });
});
