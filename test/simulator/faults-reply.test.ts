/**
 * Every reply fault, injected through the control interface, and what the gateway's real bus layer makes
 * of it: the right error code counted, retries for transient errors, offline and backed off after
 * failed polls, online again once the fault is cleared.
 */
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/index.ts";
import { expectFaultCounted, startRig, type Rig } from "./fault-rig.ts";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

describe("reply faults over RTU over TCP", () => {
  it.each([
    [{ kind: "no-reply" }, "TIMEOUT"],
    [{ kind: "offline" }, "TIMEOUT"],
    [{ kind: "delay", delayMs: 5000 }, "TIMEOUT"],
    [{ kind: "crc" }, "CRC_ERROR"],
    [{ kind: "truncated" }, "SHORT_REPLY"],
    [{ kind: "garbage" }, "BAD_REPLY"],
    [{ kind: "wrong-unit" }, "WRONG_UNIT"],
  ])("%o is counted as %s, backed off, and recovers when cleared", async (fault, key) => {
    rig = await startRig("rtu-over-tcp");
    // Every one of these is transient for the gateway: one retry per poll.
    await expectFaultCounted(rig, fault, key, 2);
  });

  it.each([
    [0x01, false],
    [0x02, false],
    [0x03, false],
    [0x04, false],
    [0x05, true],
    [0x06, true],
    [0x0a, false],
    [0x0b, true],
  ])("exception %i is counted under its own code (retried: %s)", async (code, retried) => {
    rig = await startRig("rtu-over-tcp");
    const key = `MODBUS_EXCEPTION_${code.toString(16).padStart(2, "0").toUpperCase()}`;
    await expectFaultCounted(rig, { kind: "exception", code }, key, retried ? 2 : 1);
  });

  it("a reply delayed less than the gateway's timeout is late but fine", async () => {
    rig = await startRig("rtu-over-tcp");
    await rig.sim.api.ok("POST", "/meters/1/faults", { kind: "delay", delayMs: 40 });
    const before = rig.bus.readings.filter((r) => r.unit === 1).length;
    await waitFor(() => rig!.bus.readings.filter((r) => r.unit === 1).length >= before + 5, {
      timeoutMs: 10_000,
    });
    expect(rig.bus.scheduler.countersFor("m1").errors).toEqual({});
    const meter = await rig.sim.api.ok<{ faults: Array<{ kind: string; hits: number }> }>("GET", "/meters/1");
    expect(meter.faults[0]!.hits).toBeGreaterThanOrEqual(5);
  });

  it("noise in front of a good reply is skipped by a resynchronising master", async () => {
    rig = await startRig("rtu-over-tcp");
    await rig.sim.api.ok("POST", "/meters/1/faults", { kind: "garbage", bytes: 12, withReply: true });
    const before = rig.bus.readings.filter((r) => r.unit === 1).length;
    await waitFor(() => rig!.bus.readings.filter((r) => r.unit === 1).length >= before + 5, {
      timeoutMs: 10_000,
    });
    expect(rig.bus.scheduler.countersFor("m1").errors).toEqual({});
    expect(rig.bus.readings.at(-1)!.values.voltageV).toBe(230);
  });

  it("a flaky meter (crc, probability 0.3) fails some attempts and is still read, with retries flagged", async () => {
    rig = await startRig("rtu-over-tcp", { seed: 11 });
    await rig.sim.api.ok("POST", "/meters/1/faults", { kind: "crc", probability: 0.3 });
    await waitFor(() => (rig!.bus.scheduler.countersFor("m1").errors["CRC_ERROR"] ?? 0) >= 5, {
      timeoutMs: 15_000,
    });
    await waitFor(() => rig!.bus.readings.some((r) => r.unit === 1 && r.quality.includes("retried")), {
      timeoutMs: 15_000,
    });
    const counters = rig.bus.scheduler.countersFor("m1");
    expect(Object.keys(counters.errors)).toEqual(["CRC_ERROR"]);
    expect(counters.ok).toBeGreaterThan(counters.errors["CRC_ERROR"]!);
  });

  it("off the bus for a period: back by itself when that much simulated time has passed", async () => {
    const r = (rig = await startRig("rtu-over-tcp"));
    const mark = r.bus.states.length;
    await r.sim.api.ok("POST", "/meters/9/faults", { kind: "offline", for: "10m" });
    // A relay write while it is off the bus never reaches it.
    await expect(r.bus.poller.writeRelay("m9", false)).rejects.toMatchObject({ code: "TIMEOUT" });
    await r.stateAfter(mark, "m9", "offline");
    const writes = await r.sim.api.ok<{ writes: Array<{ unit: number; result: string }> }>(
      "GET",
      "/writes?unit=9",
    );
    expect(writes.writes.map((w) => w.result)).toEqual(["lost", "lost"]);
    const back = r.bus.states.length;
    await r.sim.api.ok("POST", "/clock/advance", { by: "10m" });
    await r.stateAfter(back, "m9", "online");
    const events = await r.sim.api.ok<{ events: Array<{ kind: string }> }>("GET", "/events?unit=9");
    expect(events.events.map((e) => e.kind)).toEqual(["fault-injected", "fault-expired"]);
    expect(r.bus.readings.filter((x) => x.unit === 9).at(-1)!.relayClosed).toBe(true);
  });
});

describe("line faults over a real pty (socat)", () => {
  it.each([
    [{ kind: "crc" }, "CRC_ERROR"],
    [{ kind: "truncated" }, "SHORT_REPLY"],
    [{ kind: "garbage" }, "BAD_REPLY"],
    [{ kind: "wrong-unit" }, "WRONG_UNIT"],
    [{ kind: "no-reply" }, "TIMEOUT"],
  ])("%o is counted as %s", async (fault, key) => {
    rig = await startRig("pty");
    await expectFaultCounted(rig, fault, key, 2);
  });
});

describe("line faults over Modbus TCP", () => {
  it.each([
    // No CRC and no raw line on TCP: the simulated TCP-to-RTU converter answers 0B.
    [{ kind: "crc" }, "MODBUS_EXCEPTION_0B"],
    [{ kind: "garbage" }, "MODBUS_EXCEPTION_0B"],
    [{ kind: "truncated" }, "SHORT_REPLY"],
    [{ kind: "wrong-unit" }, "WRONG_UNIT"],
  ])("%o is counted as %s", async (fault, key) => {
    rig = await startRig("tcp");
    await expectFaultCounted(rig, fault, key, 2);
  });
});
