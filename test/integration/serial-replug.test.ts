/**
 * A USB-RS485 adapter unplugged for a long time and plugged back (issue 10, defect 4), on a real socat
 * pty pair whose far end is killed and re-created under the same link name. Time is a ManualClock, so
 * "ten minutes unplugged" costs no waiting; the port, the bytes and the simulated meter are real.
 */
import { afterEach, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { Poller } from "../../gateway/bus/poller.ts";
import { ModbusMeterDriver } from "../../gateway/metering/modbus-driver.ts";
import type { Reading } from "../../gateway/metering/reading.ts";
import { ModbusSerialTransport } from "../../protocols/modbus/transport/modbus-serial.ts";
import type { ModbusTransport, TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { createPtyPair, tempDir, waitFor, type PtyPair } from "../helpers/index.ts";
import { profiles } from "../helpers/bus-harness.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The real transport, counting the calls in flight, so the test can let real I/O finish before it
 * moves the manual clock on (a decorator, not a mock: every call goes to the port).
 */
function counted(inner: ModbusTransport): ModbusTransport & { readonly pending: number } {
  let pending = 0;
  const track =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      pending += 1;
      try {
        return await fn(...args);
      } finally {
        pending -= 1;
      }
    };
  return {
    description: inner.description,
    get isOpen() {
      return inner.isOpen;
    },
    get pending() {
      return pending;
    },
    open: track(() => inner.open()),
    close: track(() => inner.close()),
    readRegisters: track((...a: Parameters<ModbusTransport["readRegisters"]>) => inner.readRegisters(...a)),
    readBits: track((...a: Parameters<ModbusTransport["readBits"]>) => inner.readBits(...a)),
    writeCoil: track((...a: Parameters<ModbusTransport["writeCoil"]>) => inner.writeCoil(...a)),
    writeRegister: track((...a: Parameters<ModbusTransport["writeRegister"]>) => inner.writeRegister(...a)),
    writeRegisters: track((...a: Parameters<ModbusTransport["writeRegisters"]>) =>
      inner.writeRegisters(...a),
    ),
  };
}

interface Adapter {
  pty: PtyPair;
  sim: RunningSimulator;
}

async function plugIn(dir: string): Promise<Adapter> {
  const pty = await createPtyPair({ dir });
  const sim = await startSimulator({
    endpoint: { kind: "serial", path: pty.a, baudRate: 19200 },
    meters: [{ unit: 1, profile: requireProfile(profiles, "sdm120"), importEnergyWh: 1_000_000 }],
  });
  return { pty, sim };
}

it("reopens a replugged adapter by itself within the bus's reopen backoff, however long it was away", async () => {
  const dir = await tempDir("replug-");
  cleanups.push(() => dir.remove());
  let adapter = await plugIn(dir.path);
  cleanups.push(async () => {
    await adapter.sim.stop().catch(() => {});
    await adapter.pty.close();
  });
  const endpoint: TransportEndpoint = {
    kind: "rtu",
    path: adapter.pty.b,
    baudRate: 19200,
    parity: "none",
    dataBits: 8,
    stopBits: 1,
  };
  const clock = new ManualClock();
  const transport = counted(new ModbusSerialTransport(endpoint));
  const busEvents: string[] = [];
  const scheduler = new BusScheduler<ModbusTransport>(transport, {
    busId: "rs485",
    clock,
    timeoutMs: 300,
    interFrameGapMs: 0,
    onBusState: (state, error) => busEvents.push(`${state}${error === undefined ? "" : ` ${error.code}`}`),
  });
  const readings: Reading[] = [];
  const states: string[] = [];
  const poller = new Poller(
    scheduler,
    [
      {
        id: "m1",
        unit: 1,
        pollIntervalMs: 1000,
        driver: new ModbusMeterDriver(requireProfile(profiles, "sdm120"), 1),
      },
    ],
    // The shipped defaults: a silent meter is backed off from 5 s up to 5 minutes.
    {
      busId: "rs485",
      clock,
      retries: 1,
      onReading: (r) => readings.push(r),
      onStateChange: (_id, s) => states.push(s),
    },
  );
  cleanups.push(async () => {
    poller.stop();
    await scheduler.stop();
  });
  /** Moves the clock on in steps, letting the real port finish what each step started. */
  const run = async (ms: number, until?: () => boolean): Promise<number> => {
    for (let elapsed = 0; elapsed < ms; elapsed += 250) {
      if (until?.() === true) return elapsed;
      clock.advance(250);
      await waitFor(() => transport.pending === 0 && scheduler.queued.poll === 0, { intervalMs: 2 });
    }
    return ms;
  };
  poller.start();
  await run(5000, () => readings.length > 0);
  expect(readings.length).toBeGreaterThan(0);

  await adapter.pty.close();
  await adapter.sim.stop();
  await run(10 * 60_000);
  expect(states.at(-1)).toBe("offline");
  expect(busEvents.at(-1)).toMatch(/^down PORT_(CLOSED|NOT_FOUND)$/);

  // Plug back just after a failed poll of the meter, when its next poll is a whole backoff away.
  const failedPolls = scheduler.countersFor("m1").pollsFailed;
  await run(400_000, () => scheduler.countersFor("m1").pollsFailed > failedPolls);
  adapter = await plugIn(dir.path);
  const before = readings.length;
  const recoveredAfterMs = await run(40_000, () => readings.length > before);
  // Back within the longest reopen delay (30 s) plus a poll, not at the end of the meter's 5-minute backoff.
  expect(recoveredAfterMs, `readings resumed after ${recoveredAfterMs} ms of clock time`).toBeLessThanOrEqual(
    31_000,
  );
  expect(busEvents.at(-1)).toBe("up");
  expect(states.at(-1)).toBe("online");
  // Ten minutes away cost a bounded number of open attempts (backoff doubling from 1 s to 30 s).
  const attempts = scheduler.busCounters.errors["PORT_NOT_FOUND"] ?? 0;
  expect(attempts).toBeGreaterThan(5);
  expect(attempts).toBeLessThanOrEqual(30);
});
