/**
 * Line timing: with it on, a reply leaves only when its last byte would have reached the master on a
 * real RS-485 line. Checked as behaviour (what a gateway's timeout makes of it, and when a reply appears
 * on a real socket as the manual clock moves), not as measured durations; those are the benchmark's.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { withCrc } from "../../protocols/modbus/crc.ts";
import { readRequestPdu } from "../../protocols/modbus/pdu.ts";
import { t35Ms, wireTimeMs } from "../../protocols/modbus/timing.ts";
import { startBus } from "../helpers/bus-harness.ts";
import { waitFor } from "../helpers/index.ts";
import { startInProcess } from "../helpers/simulator.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(lineTiming: boolean, baseClock?: ManualClock) {
  const sim = await startInProcess(
    {
      buses: [
        {
          name: "slow",
          endpoint: {
            kind: "rtu-over-tcp",
            port: 0,
            baud: 1200,
            ...(lineTiming ? { lineTiming: { turnaroundMs: 0 } } : {}),
          },
          meters: [{ units: 1, profile: "sdm120" }],
        },
      ],
    },
    { control: false, ...(baseClock === undefined ? {} : { baseClock }) },
  );
  cleanups.push(() => sim.stop());
  return sim;
}

function gateway(port: number, timeoutMs: number) {
  const bus = startBus(
    { kind: "rtu-over-tcp", host: "127.0.0.1", port },
    [{ id: "m1", unit: 1, profile: "sdm120", pollIntervalMs: 100 }],
    {
      timeoutMs,
      interFrameGapMs: 2,
      backoffInitialMs: 60_000,
    },
  );
  cleanups.push(() => bus.stop());
  bus.poller.start();
  return bus;
}

describe("line timing at 1200 baud", () => {
  // The SDM120's reads: FC 03 x 2 registers (8 + 9 bytes, ~188 ms with t3.5) and FC 04 x 76 registers
  // (8 + 157 bytes, ~1.5 s). A 50 ms timeout with one retry gives up on the first read by ~100 ms, long
  // before even the shortest reply can be on the wire.
  it("a gateway timeout shorter than the wire time sees only timeouts and never a whole reading", async () => {
    const sim = await simulator(true);
    const bus = gateway(sim.buses[0]!.port!, 50);
    await waitFor(() => bus.scheduler.countersFor("m1").state === "offline", { timeoutMs: 10_000 });
    expect(Object.keys(bus.scheduler.countersFor("m1").errors)).toEqual(["TIMEOUT"]);
    expect(bus.readings).toEqual([]);
  });

  it("the same timeout reads fine without line timing", async () => {
    const sim = await simulator(false);
    const bus = gateway(sim.buses[0]!.port!, 50);
    await waitFor(() => bus.readings.length >= 3, { timeoutMs: 10_000 });
    expect(bus.scheduler.countersFor("m1").state).toBe("online");
  });

  it("a timeout longer than the wire time reads fine with line timing", async () => {
    const sim = await simulator(true);
    const bus = gateway(sim.buses[0]!.port!, 3000);
    await waitFor(() => bus.readings.length >= 1, { timeoutMs: 10_000 });
    expect(bus.readings[0]!.values.voltageV).toBe(230);
    expect(bus.scheduler.countersFor("m1").errors).toEqual({});
  });
});

describe("line timing on a manual clock", () => {
  it("the reply reaches the socket only once the clock has passed request + t3.5 + reply wire time", async () => {
    const clock = new ManualClock();
    const sim = await simulator(true, clock);
    const socket: Socket = connect(sim.buses[0]!.port!, "127.0.0.1");
    cleanups.push(() => void socket.destroy());
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(withCrc(Uint8Array.of(1, ...readRequestPdu(4, 0, 2))));
    // Reply: unit + fc + count + 4 data bytes + CRC = 9 bytes.
    const dueMs = wireTimeMs(8, 1200) + t35Ms(1200) + wireTimeMs(9, 1200);
    // The simulator has the request once it arms the reply's timer on the clock.
    await waitFor(() => clock.pendingTimers() > 0, { description: "the reply timer armed", timeoutMs: 2000 });
    const armed = clock.pendingTimers();
    clock.advance(Math.floor(dueMs) - 1);
    // Still armed: the reply was not written, so nothing can be on its way to the socket.
    expect(clock.pendingTimers()).toBe(armed);
    expect(received).toEqual([]);
    clock.advance(2);
    await waitFor(() => received.length > 0, { timeoutMs: 2000 });
    expect([...Buffer.concat(received)].slice(0, 7)).toEqual([1, 4, 4, 0x43, 0x66, 0, 0]);
  });
});
