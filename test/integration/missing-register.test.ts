/**
 * Issue 10, defect 8, as `meter-gateway run` meets it: a prepaid meter whose firmware lacks the
 * serial-number register (FC 03 0xFC00 answers exception 02) stays online, its readings are stored and
 * charged without the serial number, the failure is named with its request in /status and in an event,
 * and the unsupported block is not asked for again on every poll (retried on the injected clock, or at
 * once after the meter was away).
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { ManualClock } from "../../core/clock.ts";
import { ModbusMeterDriver } from "../../gateway/metering/modbus-driver.ts";
import type { OptionalBlockChange } from "../../gateway/metering/optional-blocks.ts";
import { readRequestPdu } from "../../protocols/modbus/pdu.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { faultSpecSchema } from "../../simulator/faults/fault-spec.ts";
import { startSimulator } from "../../simulator/start.ts";
import { startService } from "../helpers/service.ts";
import { waitFor } from "../helpers/index.ts";
import { profiles } from "../helpers/bus-harness.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface MeterStatus {
  id: string;
  state: string;
  importEnergyWh: number | null;
  balance: string | null;
  lastError: string | null;
}

function dbFacts(file: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return {
      readings: db.prepare("SELECT count(*) FROM readings WHERE meter_id = 'm1'").pluck().get() as number,
      /** Stored readings of m1 flagged quantity-missing (bit 8, qualityFlagBits). */
      flagged: db
        .prepare("SELECT count(*) FROM readings WHERE meter_id = 'm1' AND quality_flags & 8 != 0")
        .pluck()
        .get() as number,
      charges: db.prepare("SELECT count(*) FROM ledger WHERE kind = 'charge'").pluck().get() as number,
      events: db
        .prepare(
          "SELECT type, severity, payload_json AS payload FROM events WHERE meter_id = 'm1' ORDER BY id",
        )
        .all() as Array<{ type: string; severity: string; payload: string }>,
    };
  } finally {
    db.close();
  }
}

describe("meter-gateway run with a meter that lacks its serial-number register", () => {
  it("keeps the meter online, stores and charges its readings, and names the failed request", async () => {
    const sim = await startSimulator({
      endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
      // 60x at 600 W: 10 Wh per real second, so polls have energy to charge, and 36 kW as the gateway
      // sees it, under its 41.4 kW plausibility limit: a poll delayed by a busy machine is no spike (at
      // 6 kW, 360 kW seen, a late poll was held as an implausible jump in 2 of 4 runs on a busy box).
      speed: 60,
      meters: [{ unit: 1, profile: requireProfile(profiles, "generic-prepaid"), powerW: 600 }],
    });
    cleanups.push(() => sim.stop());
    sim.simulation.injectFault(
      sim.simulation.findMeter(1),
      faultSpecSchema.parse({ kind: "missing-registers", fc: 3, address: 0xfc00, count: 2 }),
      "control",
    );
    const serialRequest = readRequestPdu(3, 0xfc00, 2);
    let serialReads = 0;
    sim.bus.onRequest = (_unit, pdu) => {
      if (Buffer.from(pdu).equals(serialRequest)) serialReads += 1;
    };
    const service = await startService({
      config: ({ dataDir, httpPort }) =>
        `gateway: { id: gw-missing, dataDir: ${dataDir}, httpPort: ${httpPort}, logLevel: warn }
buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 300 }]
meters:
  - { id: m1, bus: tcp, unit: 1, profile: generic-prepaid, account: a1, pollIntervalMs: 100 }
accounts: [{ id: a1, tariff: flat, balance: "50.00" }]
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
`,
    });
    cleanups.push(() => service.dir.remove());
    cleanups.push(() => service.kill());

    const meter = async () =>
      ((await service.status()) as unknown as { meters: MeterStatus[] }).meters.find((m) => m.id === "m1")!;
    await waitFor(
      () => {
        const facts = dbFacts(service.dbFile);
        return facts.readings >= 15 && facts.charges >= 2 ? facts : undefined;
      },
      { timeoutMs: 20_000, description: "15 stored readings of m1 and charges" },
    );
    const status = await meter();
    expect(status.state).toBe("online");
    expect(status.importEnergyWh).toBeGreaterThan(0);
    expect(Number(status.balance)).toBeLessThan(50);
    expect(status.lastError).toBe("FC03 0xFC00 x2: exception 02 illegal data address");
    expect((await service.health()).reasons.filter((r) => r.includes("m1"))).toEqual([]);

    const facts = dbFacts(service.dbFile);
    // Every stored reading says a quantity was left out, not just the outbox copy.
    expect(facts.flagged).toBe(facts.readings);
    const events = facts.events;
    expect(events.map((e) => e.type)).not.toContain("meter.offline");
    const missing = events.filter((e) => e.type === "meter.quantity-missing");
    expect(missing).toHaveLength(1);
    expect(JSON.parse(missing[0]!.payload)).toMatchObject({
      message: expect.stringContaining("serialNumber") as unknown,
      data: {
        quantities: ["serialNumber"],
        request: "FC03 0xFC00 x2",
        error: "FC03 0xFC00 x2: exception 02 illegal data address",
      },
    });
    // Asked once, then skipped until the retry interval (minutes) has passed.
    expect(serialReads).toBe(1);

    const stopped = await service.stop();
    expect(stopped.code).toBe(0);
  });
});

describe("the driver's retry of an unsupported optional block, on a manual clock over real TCP", () => {
  it("skips it after an exception, asks again after the interval or after a failed poll", async () => {
    const sim = await startSimulator({
      endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
      meters: [{ unit: 1, profile: requireProfile(profiles, "sdm120") }],
    });
    cleanups.push(() => sim.stop());
    const ref = sim.simulation.findMeter(1);
    const inject = (spec: Record<string, unknown>) =>
      sim.simulation.injectFault(ref, faultSpecSchema.parse(spec), "control");
    const serialRequest = readRequestPdu(3, 0xfc00, 2);
    let serialReads = 0;
    sim.bus.onRequest = (_unit, pdu) => {
      if (Buffer.from(pdu).equals(serialRequest)) serialReads += 1;
    };
    const clock = new ManualClock();
    // No inter-frame gap: the scheduler never has to sleep on the manual clock.
    const scheduler = new BusScheduler<ModbusTransport>(
      modbusTransportFactory({ kind: "tcp", host: "127.0.0.1", port: sim.port! }),
      { busId: "t", clock, timeoutMs: 300, interFrameGapMs: 0 },
    );
    cleanups.push(() => scheduler.stop());
    const changes: OptionalBlockChange[] = [];
    const driver = new ModbusMeterDriver(requireProfile(profiles, "sdm120"), 1, {
      clock,
      optionalRetryMs: 60_000,
      onOptionalChange: (change) => changes.push(change),
    });
    const poll = () =>
      scheduler.enqueue({ meterId: "m1", priority: "poll", retries: 0, run: (tx) => driver.poll(tx) });

    inject({ kind: "missing-registers", fc: 3, address: 0xfc00, count: 2 });
    const first = await poll();
    expect(first.values.serialNumber).toBeUndefined();
    expect(first.values.voltageV).toBe(230);
    expect(first.flags).toEqual(["quantity-missing"]);
    expect(first.missing?.map((m) => m.message)).toEqual([
      "FC03 0xFC00 x2: exception 02 illegal data address",
    ]);
    for (let i = 0; i < 3; i++)
      expect((await poll()).missing?.map((m) => m.quantity)).toEqual(["serialNumber"]);
    expect(serialReads).toBe(1);
    clock.advance(60_000);
    await poll();
    expect(serialReads).toBe(2);

    // The firmware answers again: noticed at the next retry, reported back once.
    sim.simulation.clearFaults(ref, "missing-registers", "control");
    expect((await poll()).values.serialNumber).toBeUndefined();
    clock.advance(60_000);
    const back = await poll();
    expect(back.values.serialNumber).toBe(10_000_001);
    expect(back.missing).toBeUndefined();
    expect(back.flags).toEqual([]);
    expect(serialReads).toBe(3);

    // Missing again; then the meter is away for a poll: it may be another meter now, so ask at once.
    inject({ kind: "missing-registers", fc: 3, address: 0xfc00, count: 2 });
    clock.advance(60_000);
    await poll();
    expect(serialReads).toBe(4);
    inject({ kind: "offline" });
    await expect(poll()).rejects.toThrow(/FC04 0x0000 x76: no reply from unit 1/);
    sim.simulation.clearFaults(ref, "offline", "control");
    await poll();
    expect(serialReads).toBe(5);
    expect(changes.map((c) => c.kind)).toEqual(["missing", "back", "missing"]);
  });
});
