/**
 * The poller on a ManualClock with the real bus scheduler: what a meter driver reports reaches the
 * reading the rest of the gateway sees. The driver is a stand-in (a meter on RS-485 cannot exist in a
 * unit test); the Modbus driver itself is driven against the simulator in test/integration.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { MeterDriver, PollResult } from "../metering/driver.ts";
import type { MissingQuantity } from "../metering/optional-blocks.ts";
import type { Reading } from "../metering/reading.ts";
import { Poller } from "./poller.ts";
import { BusScheduler, type BusLink } from "./scheduler.ts";

/** A link that is always there: the exchanges are the driver's own. */
class MemoryLink implements BusLink {
  readonly description = "memory link";
  isOpen = false;
  open(): Promise<void> {
    this.isOpen = true;
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.isOpen = false;
    return Promise.resolve();
  }
}

const serialMissing: MissingQuantity = {
  quantity: "serialNumber",
  request: "FC03 0xFC00 x2",
  exception: 2,
  message: "FC03 0xFC00 x2: exception 02 illegal data address",
};

/** A meter whose firmware lacks the serial-number register, as the Modbus driver reports it. */
class NoSerialDriver implements MeterDriver<MemoryLink> {
  readonly protocol = "memory";
  readonly hasRelay = false;
  energyWh = 1000;
  async poll(tx: {
    transact<R>(exchange: (link: MemoryLink) => Promise<R>): Promise<R>;
  }): Promise<PollResult> {
    const energy = await tx.transact(() => Promise.resolve(this.energyWh));
    return { values: { importEnergyWh: energy }, flags: ["quantity-missing"], missing: [serialMissing] };
  }
  readRelay(): Promise<boolean> {
    return Promise.reject(new Error("no relay"));
  }
  writeRelay(): Promise<void> {
    return Promise.reject(new Error("no relay"));
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const clock = new ManualClock();
  const scheduler = new BusScheduler(new MemoryLink(), {
    busId: "b1",
    clock,
    timeoutMs: 500,
    interFrameGapMs: 0,
  });
  const readings: Reading[] = [];
  const driver = new NoSerialDriver();
  const poller = new Poller(scheduler, [{ id: "m1", unit: 1, pollIntervalMs: 10_000, driver }], {
    busId: "b1",
    clock,
    retries: 0,
    onReading: (r) => readings.push(r),
  });
  return { clock, scheduler, poller, readings, driver };
}

describe("Poller", () => {
  it("hands on which optional quantities the meter did not answer, with the reading's flag", async () => {
    const { clock, scheduler, poller, readings } = setup();
    poller.start();
    clock.advance(0);
    await settle();
    clock.advance(10_000);
    await settle();
    poller.stop();
    await scheduler.stop();

    expect(readings).toHaveLength(2);
    for (const reading of readings) {
      expect(reading.values).toEqual({ importEnergyWh: 1000 });
      expect(reading.quality).toEqual(["quantity-missing"]);
      expect(reading.missing).toEqual([serialMissing]);
    }
  });

  it("leaves `missing` out of a reading that lacks nothing", async () => {
    const { scheduler, poller, driver } = setup();
    driver.poll = async (tx) => ({
      values: { importEnergyWh: await tx.transact(() => Promise.resolve(5)) },
      flags: [],
    });
    const reading = await poller.readNow("m1");
    await scheduler.stop();
    expect(reading.quality).toEqual([]);
    expect(reading).not.toHaveProperty("missing");
  });
});
