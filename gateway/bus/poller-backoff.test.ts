/**
 * The poller's retry, offline and backoff rules on a ManualClock, with the real bus scheduler over an
 * in-memory transport: which requests reach the wire and when, what the meter's counters and events
 * say. Clock time only; nothing sleeps.
 */
import { describe, expect, it } from "vitest";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { ManualClock } from "../../core/clock.ts";
import type { Reading } from "../metering/reading.ts";
import { Poller, type PollerOptions } from "./poller.ts";
import { BusScheduler } from "./scheduler.ts";
import { advance } from "../../test/helpers/bus/clock-steps.ts";
import { MemoryMeterDriver } from "../../test/helpers/bus/memory-driver.ts";
import { MemoryTransport } from "../../test/helpers/bus/memory-transport.ts";

function setup(pollIntervalMs: number, options: Partial<PollerOptions> = {}) {
  const clock = new ManualClock();
  const transport = new MemoryTransport(clock);
  const scheduler = new BusScheduler<ModbusTransport>(transport, {
    busId: "b1",
    clock,
    timeoutMs: 100,
    interFrameGapMs: 0,
  });
  const readings: Reading[] = [];
  const errors: string[] = [];
  const states: string[] = [];
  const meter = { id: "m1", unit: 1, pollIntervalMs, driver: new MemoryMeterDriver(1) };
  const poller = new Poller(scheduler, [meter], {
    busId: "b1",
    clock,
    retries: 2,
    backoffInitialMs: 5000,
    backoffMaxMs: 20_000,
    offlineAfterFailures: 2,
    onReading: (r) => readings.push(r),
    onPollError: (meterId, e) => errors.push(`${meterId} ${e.code}`),
    onStateChange: (meterId, state) => states.push(`${meterId} ${state}`),
    ...options,
  });
  const starts = () => transport.requestsTo(1).map((r) => r.startMono);
  /** Stops polling and the bus; the clock runs on so a poll in hand can finish or meet the grace. */
  const stop = async () => {
    poller.stop();
    const stopping = scheduler.stop();
    await advance(clock, 2000);
    await stopping;
  };
  return { clock, transport, scheduler, poller, readings, errors, states, starts, stop };
}

describe("Poller on a ManualClock", () => {
  it("retries a failed request up to `retries` times and flags a reading that needed a retry", async () => {
    const { clock, transport, scheduler, poller, readings, errors, states, starts, stop } = setup(1000);
    transport.behave(1, "silent");
    poller.start();
    await advance(clock, 350);
    // Three attempts (1 + 2 retries), one poll failure: not offline after one failed poll.
    expect(starts()).toEqual([0, 100, 200]);
    expect(errors).toEqual(["m1 TIMEOUT"]);
    expect(states).toEqual([]);
    expect(scheduler.countersFor("m1")).toMatchObject({ pollsFailed: 1, errors: { TIMEOUT: 3 } });
    // The next poll: the first attempt times out, the retry is answered.
    await advance(clock, 700);
    transport.behave(1, "answer");
    transport.setRegister(1, 0, 1234);
    await advance(clock, 150);
    expect(starts()).toEqual([0, 100, 200, 1000, 1100]);
    expect(readings.map((r) => [r.values.importEnergyWh, r.quality])).toEqual([[1234, ["retried"]]]);
    expect(states).toEqual(["m1 online"]);
    await stop();
  });

  it("backs an offline meter off exponentially up to the cap, probing it with a single attempt", async () => {
    const { clock, transport, scheduler, poller, errors, states, starts, stop } = setup(1000);
    transport.behave(1, "silent");
    poller.start();
    await advance(clock, 60_000);
    // Two failed polls of three attempts each, then probes after 5, 10, 20 and 20 s (the cap).
    expect(starts()).toEqual([0, 100, 200, 1000, 1100, 1200, 6300, 16_400, 36_500, 56_600]);
    expect(states).toEqual(["m1 offline"]);
    expect(errors).toHaveLength(6);
    const counters = scheduler.countersFor("m1");
    expect(counters).toMatchObject({ state: "offline", pollsFailed: 6, consecutiveFailedPolls: 6 });
    expect(counters.backoffUntilMono).toBe(56_700 + 20_000);
    await stop();
  });

  it("comes back online on the first answered probe and resumes its normal interval", async () => {
    const { clock, transport, scheduler, poller, readings, states, starts, stop } = setup(1000);
    poller.start();
    await advance(clock, 500);
    transport.behave(1, "silent");
    await advance(clock, 2000);
    expect(states).toEqual(["m1 online", "m1 offline"]);
    transport.behave(1, "answer");
    await advance(clock, 6000);
    // Offline at 2300; the probe at 7300 is answered; then every 1000 ms again.
    expect(starts()).toEqual([0, 1000, 1100, 1200, 2000, 2100, 2200, 7300, 8310]);
    expect(states).toEqual(["m1 online", "m1 offline", "m1 online"]);
    expect(readings.map((r) => r.wallMs - clock.now() + clock.monotonicMs())).toEqual([10, 7310, 8320]);
    const counters = scheduler.countersFor("m1");
    expect(counters).toMatchObject({ state: "online", consecutiveFailedPolls: 0, pollsOk: 3 });
    expect(counters.backoffUntilMono).toBeUndefined();
    await stop();
  });

  it("does not queue a meter's next poll while the last one is still in flight, nor catch up in a burst", async () => {
    const { clock, transport, poller, readings, starts, stop } = setup(100);
    // m1 takes 250 ms to answer its 100 ms interval; m2, added while m1 is in flight, makes a tick then.
    transport.setReplyMs(1, 250);
    poller.start();
    await advance(clock, 120);
    poller.addMeter({ id: "m2", unit: 2, pollIntervalMs: 10_000, driver: new MemoryMeterDriver(2) });
    await advance(clock, 880);
    // The tick at 120 found m1 due but in flight: it was not queued a second time, so m2 went next
    // (a duplicate would have run at 250 and held m2 back to 500), and m1 runs one poll at a time.
    expect(transport.requestsTo(2).map((r) => r.startMono)).toEqual([250]);
    expect(starts()).toEqual([0, 260, 510, 760]);
    expect(readings.filter((r) => r.meterId === "m1")).toHaveLength(3);
    await stop();
  });
});
