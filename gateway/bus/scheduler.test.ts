/**
 * The bus scheduler on a ManualClock over an in-memory transport: one transaction at a time, relay
 * jobs and then reads ahead of queued polls, the inter-frame gap, timeouts and retries, all in clock time without sleeping.
 * The real transports are driven against ptys and sockets in test/integration and test/faults.
 */
import { describe, expect, it } from "vitest";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { ManualClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { BusScheduler, type BusSchedulerOptions, type JobEntry, type JobPriority } from "./scheduler.ts";
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
    interFrameGapMs: 20,
    ...options,
  });
  /** Enqueues one poll (a register read) of `unit`; the outcome is recorded, never thrown. */
  const poll = (unit: number, priority: JobPriority = "poll", retries = 0) => {
    const driver = new MemoryMeterDriver(unit);
    return scheduler.enqueue({ meterId: `m${unit}`, priority, retries, run: (tx) => driver.poll(tx) }).then(
      (result) => ({ ok: true as const, energyWh: result.values.importEnergyWh }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  };
  return { clock, transport, scheduler, poll };
}

describe("BusScheduler", () => {
  it("runs one transaction at a time, in the order the polls were queued", async () => {
    const { clock, transport, poll } = setup({ interFrameGapMs: 0 });
    transport.replyMs = 50;
    for (let unit = 1; unit <= 4; unit++) transport.setRegister(unit, 0, unit * 1000);
    const outcomes = Promise.all([1, 2, 3, 4].map((unit) => poll(unit)));
    await advance(clock, 200);
    expect(await outcomes).toEqual([1000, 2000, 3000, 4000].map((energyWh) => ({ ok: true, energyWh })));
    expect(transport.maxInFlight).toBe(1);
    expect(transport.log.map((r) => [r.unit, r.startMono, r.endMono])).toEqual([
      [1, 0, 50],
      [2, 50, 100],
      [3, 100, 150],
      [4, 150, 200],
    ]);
  });

  it("puts a relay write ahead of the polls already queued, not ahead of the one in hand", async () => {
    const { clock, transport, poll } = setup();
    const done = Promise.all([poll(1), poll(2), poll(3), poll(9, "relay")]);
    await advance(clock, 200);
    await done;
    expect(transport.log.map((r) => r.unit)).toEqual([1, 9, 2, 3]);
  });

  it("takes relay jobs before reads someone waits for, and those before polls", async () => {
    const { clock, transport, poll } = setup();
    const done = Promise.all([poll(1), poll(2), poll(3, "read"), poll(4), poll(5, "relay"), poll(6, "read")]);
    await advance(clock, 400);
    await done;
    expect(transport.log.map((r) => r.unit)).toEqual([1, 5, 3, 6, 2, 4]);
  });

  it("runs a terminal's display job only when no meter job waits", async () => {
    const { clock, transport, poll } = setup();
    const done = Promise.all([poll(1), poll(20, "display"), poll(2), poll(3, "read"), poll(4)]);
    await advance(clock, 400);
    await done;
    expect(transport.log.map((r) => r.unit)).toEqual([1, 3, 2, 4, 20]);
  });

  it("gives a waiting display job one turn in nine on a bus that polls without a pause", async () => {
    const { clock, transport, poll } = setup();
    const polls = Array.from({ length: 12 }, (_, i) => i + 1);
    const done = Promise.all([poll(polls[0]!), poll(20, "display"), ...polls.slice(1).map((u) => poll(u))]);
    await advance(clock, 1000);
    await done;
    // Poll 1 was in hand when the display job came; polls 2..9 went ahead of it, then its turn.
    expect(transport.log.map((r) => r.unit)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 10, 11, 12]);
  });

  it("keeps the inter-frame gap between the end of one transaction and the next request", async () => {
    const { clock, transport, poll } = setup({ interFrameGapMs: 20 });
    transport.replyMs = 10;
    const done = Promise.all([poll(1), poll(2), poll(3)]);
    await advance(clock, 200);
    await done;
    expect(transport.log.map((r) => r.startMono)).toEqual([0, 30, 60]);
    // A request after a quiet spell longer than the gap goes at once.
    await advance(clock, 100);
    const late = poll(4);
    await advance(clock, 10);
    await late;
    expect(transport.requestsTo(4)[0]?.startMono).toBe(300);
  });

  it("counts each timed-out attempt under TIMEOUT, retries it, and fails the job with the code", async () => {
    const { clock, transport, scheduler, poll } = setup({ timeoutMs: 500, interFrameGapMs: 20 });
    transport.behave(1, "silent");
    const outcome = poll(1, "poll", 2);
    await advance(clock, 2000);
    const result = await outcome;
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.error).toMatchObject({ code: ErrorCode.Timeout });
    // Three attempts, each a full timeout, with the gap between them.
    expect(transport.requestsTo(1).map((r) => r.startMono)).toEqual([0, 520, 1040]);
    const counters = scheduler.countersFor("m1");
    expect(counters.errors).toEqual({ TIMEOUT: 3 });
    expect(counters.lastError?.code).toBe("TIMEOUT");
    expect(counters.ok).toBe(0);
  });

  it("does not retry a Modbus exception (an answer), and counts it by its exception code", async () => {
    const { clock, transport, scheduler, poll } = setup();
    transport.behave(1, { exception: 2 });
    const outcome = poll(1, "poll", 3);
    await advance(clock, 100);
    expect((await outcome).ok).toBe(false);
    expect(transport.requestsTo(1)).toHaveLength(1);
    expect(scheduler.countersFor("m1").errors).toEqual({ MODBUS_EXCEPTION_02: 1 });
  });

  it("retries, counts and names failed attempts alike on a link that bounds its own requests", async () => {
    const { clock, transport, scheduler, poll } = setup({ timeoutMs: 500, interFrameGapMs: 0 });
    transport.boundsRequests = true;
    transport.setRegister(1, 0, 1234);
    transport.behave(1, "silent");
    const retried = poll(1, "poll", 1);
    await advance(clock, 100);
    transport.behave(1, "answer");
    await advance(clock, 1000);
    expect(await retried).toEqual({ ok: true, energyWh: 1234 });
    expect(transport.requestsTo(1).map((r) => r.startMono)).toEqual([0, 500]);
    expect(scheduler.countersFor("m1")).toMatchObject({ ok: 1, errors: { TIMEOUT: 1 } });

    transport.behave(2, { exception: 2 });
    const named = scheduler
      .enqueue({
        meterId: "m2",
        priority: "read",
        retries: 3,
        run: (tx) =>
          tx.transact(
            (link, timeoutMs) => link.readRegisters(2, 3, 0, 1, timeoutMs),
            (error) => new GatewayError(ErrorCode.ModbusException, `FC03 0x0000 x1: ${String(error)}`),
          ),
      })
      .catch((error: unknown) => error);
    await advance(clock, 100);
    expect(await named).toMatchObject({ message: expect.stringMatching(/^FC03 0x0000 x1: /) as unknown });
    // An exception is an answer: not retried; counted with the name the driver gave it.
    expect(transport.requestsTo(2)).toHaveLength(1);
    expect(scheduler.countersFor("m2").lastError?.message).toMatch(/^FC03 0x0000 x1: /);
  });

  it("bounds a request that never settles by its timeout, and the bus goes on with the next job", async () => {
    const { clock, transport, scheduler, poll } = setup({ timeoutMs: 500, interFrameGapMs: 0 });
    transport.behave(1, "hang");
    transport.setRegister(2, 0, 42);
    const stuck = poll(1);
    const next = poll(2);
    await advance(clock, 2000);
    const result = await Promise.race([stuck, settle().then(() => "still waiting" as const)]);
    expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.Timeout } });
    expect(scheduler.countersFor("m1").errors).toEqual({ TIMEOUT: 1 });
    expect(await Promise.race([next, settle().then(() => "still waiting" as const)])).toEqual({
      ok: true,
      energyWh: 42,
    });
    // The stuck request was given up at its 500 ms timeout plus the scheduler's 500 ms slack.
    expect(transport.requestsTo(2)[0]?.startMono).toBe(1000);
  });

  it("rejects queued jobs on stop and takes no new ones", async () => {
    const { clock, transport, scheduler, poll } = setup();
    const first = poll(1);
    const queued = poll(2);
    await settle();
    const stopping = scheduler.stop();
    await advance(clock, 50);
    await stopping;
    expect(await first).toMatchObject({ ok: true });
    expect(await queued).toMatchObject({ ok: false, error: { code: ErrorCode.PortClosed } });
    expect(await poll(3)).toMatchObject({ ok: false, error: { code: ErrorCode.PortClosed } });
    expect(transport.log.map((r) => r.unit)).toEqual([1]);
    expect(transport.isOpen).toBe(false);
  });

  it("runs a submitted entry again once it settled, and settled() waits for it like an enqueued job", async () => {
    const { clock, transport, scheduler, poll } = setup({ interFrameGapMs: 0 });
    transport.replyMs = 50;
    transport.setRegister(7, 0, 7000);
    const driver = new MemoryMeterDriver(7);
    const outcomes: unknown[] = [];
    const entry: JobEntry<ModbusTransport, { values: Record<string, number> }> = {
      job: { meterId: "m7", priority: "poll", retries: 0, run: (tx) => driver.poll(tx) },
      resolve: (result) => outcomes.push(result.values.importEnergyWh),
      reject: (error) => outcomes.push(error),
    };
    const other = poll(1);
    scheduler.submit(entry);
    let settled = false;
    void scheduler.settled().then(() => (settled = true));
    await advance(clock, 60);
    expect(settled).toBe(false);
    await advance(clock, 50);
    expect(settled).toBe(true);
    expect(outcomes).toEqual([7000]);
    expect(await other).toMatchObject({ ok: true });
    scheduler.submit(entry);
    await advance(clock, 50);
    expect(outcomes).toEqual([7000, 7000]);
    await scheduler.stop();
    scheduler.submit(entry);
    expect(outcomes).toHaveLength(2);
    await settle();
    expect(outcomes[2]).toMatchObject({ code: ErrorCode.PortClosed });
  });

  it("takes an outcome reported while its job starts a turn later: 20,000 such jobs in a row never recurse", async () => {
    const { scheduler } = setup({ interFrameGapMs: 0 });
    const values: number[] = [];
    const jobs = Array.from({ length: 20_000 }, (_, i) =>
      scheduler.enqueue<number>({
        meterId: "m1",
        priority: "poll",
        retries: 0,
        run: () => Promise.reject(new Error("the callback form runs instead")),
        runTo: (_tx, outcome) => {
          values.push(i);
          // Settled at once, before runTo returns: nothing of the next job may run inside this call.
          outcome.answered(i);
          expect(values).toHaveLength(i + 1);
        },
      }),
    );
    expect(await Promise.all(jobs)).toEqual(values);
    expect(values).toHaveLength(20_000);
  });
});
