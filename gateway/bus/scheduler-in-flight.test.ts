/**
 * The bus scheduler with `maxInFlight` above 1 (Modbus TCP with pipelining), on a ManualClock over an
 * in-memory transport: that many jobs at once, writes still first, a job still one request at a time,
 * one link failure under several requests counted once. With 1 (the default) scheduler.test.ts and the
 * poller tests prove nothing changed.
 */
import { describe, expect, it } from "vitest";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { ManualClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { BusScheduler, type BusSchedulerOptions, type JobPriority } from "./scheduler.ts";
import { advance, settle } from "../../test/helpers/bus/clock-steps.ts";
import { MemoryMeterDriver } from "../../test/helpers/bus/memory-driver.ts";
import { MemoryTransport } from "../../test/helpers/bus/memory-transport.ts";

function setup(options: Partial<BusSchedulerOptions> = {}) {
  const clock = new ManualClock();
  const transport = new MemoryTransport(clock);
  const scheduler = new BusScheduler<ModbusTransport>(transport, {
    busId: "b1",
    clock,
    timeoutMs: 500,
    interFrameGapMs: 0,
    maxInFlight: 4,
    ...options,
  });
  /** Enqueues one poll of `unit`: `reads` register reads one after another; the outcome is recorded. */
  const poll = (unit: number, priority: JobPriority = "poll", reads = 1) => {
    const driver = new MemoryMeterDriver(unit);
    const run = async (tx: Parameters<typeof driver.poll>[0]) => {
      let energyWh = 0;
      for (let i = 0; i < reads; i++) energyWh = (await driver.poll(tx)).values.importEnergyWh ?? 0;
      return energyWh;
    };
    return scheduler.enqueue({ meterId: `m${unit}`, priority, retries: 0, run }).then(
      (energyWh) => ({ ok: true as const, energyWh }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  };
  return { clock, transport, scheduler, poll };
}

describe("BusScheduler with maxInFlight 4", () => {
  it("runs four jobs at once and starts the next as soon as one ends; each job one request at a time", async () => {
    const { clock, transport, poll } = setup();
    transport.replyMs = 50;
    transport.setReplyMs(1, 20);
    for (let unit = 1; unit <= 6; unit++) transport.setRegister(unit, 0, unit * 100);
    const outcomes = Promise.all([1, 2, 3, 4, 5, 6].map((unit) => poll(unit, "poll", unit === 1 ? 2 : 1)));
    await advance(clock, 200);
    expect(await outcomes).toEqual(
      [100, 200, 300, 400, 500, 600].map((energyWh) => ({ ok: true, energyWh })),
    );
    expect(transport.maxInFlight).toBe(4);
    expect(transport.log.map((r) => [r.unit, r.startMono, r.endMono])).toEqual([
      [1, 0, 20],
      [2, 0, 50],
      [3, 0, 50],
      [4, 0, 50],
      // Unit 1's second request follows its first; unit 5 waits for a free lane.
      [1, 20, 40],
      [5, 40, 90],
      [6, 50, 100],
    ]);
  });

  it("takes a write from the queue ahead of the polls waiting there", async () => {
    const { clock, transport, poll } = setup({ maxInFlight: 2 });
    const done = Promise.all([poll(1), poll(2), poll(3), poll(4), poll(9, "relay")]);
    await advance(clock, 100);
    await done;
    expect(transport.log.map((r) => [r.unit, r.startMono])).toEqual([
      [1, 0],
      [2, 0],
      [9, 10],
      [3, 10],
      [4, 20],
    ]);
  });

  it("counts one connection loss under four requests once, and fails each of their jobs with it", async () => {
    const { clock, transport, scheduler, poll } = setup({ reopenDelayMs: 1000 });
    transport.replyMs = 50;
    const outcomes = Promise.all([1, 2, 3, 4].map((unit) => poll(unit)));
    await advance(clock, 10);
    transport.dropLink(new GatewayError(ErrorCode.ConnectionClosed, "connection closed by the peer"));
    await settle();
    for (const outcome of await outcomes)
      expect(outcome).toMatchObject({ ok: false, error: { code: ErrorCode.ConnectionClosed } });
    expect(scheduler.busCounters.errors).toEqual({ CONNECTION_CLOSED: 1 });
    expect(scheduler.busCounters.state).toBe("down");
    // One failure: the first reopen delay, not doubled once per request that saw the loss.
    expect(scheduler.busCounters.reopenAtMono).toBe(10 + 1000);
    for (const unit of [1, 2, 3, 4])
      expect(scheduler.countersFor(`m${unit}`).errors).toEqual({ CONNECTION_CLOSED: 1 });
    await advance(clock, 1000);
    const again = poll(5);
    await advance(clock, 50);
    expect(await again).toEqual({ ok: true, energyWh: 0 });
    expect(transport.opens).toBe(2);
  });

  it("waits on stop for every job in hand, then closes the link", async () => {
    const { clock, transport, scheduler, poll } = setup({ maxInFlight: 2 });
    const running = [poll(1), poll(2)];
    const queued = poll(3);
    await settle();
    const stopping = scheduler.stop();
    await advance(clock, 20);
    await stopping;
    expect(await Promise.all(running)).toEqual([
      { ok: true, energyWh: 0 },
      { ok: true, energyWh: 0 },
    ]);
    expect(await queued).toMatchObject({ ok: false, error: { code: ErrorCode.PortClosed } });
    expect(transport.isOpen).toBe(false);
  });
});
