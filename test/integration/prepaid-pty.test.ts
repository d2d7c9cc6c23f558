/**
 * The prepaid engine end to end: the real gateway (config, buses, engine, SQLite) polls simulated
 * generic-prepaid meters over a socat pty, both on accelerated time. Relay writes are asserted in the
 * simulator's write log, i.e. what reached the meter.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AcceleratedClock, SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { parseConfig } from "../../gateway/config/index.ts";
import { Gateway } from "../../gateway/service/gateway.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator } from "../../simulator/start.ts";
import { createPtyPair, tempDir, waitFor } from "../helpers/index.ts";
import { profiles } from "../helpers/bus-harness.ts";

const speed = 600;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function site(policy: string, startWallMs: number) {
  const pty = await createPtyPair();
  cleanups.push(() => pty.close());
  const dir = await tempDir("prepaid-");
  cleanups.push(() => dir.remove());
  const simClock = new AcceleratedClock(speed, startWallMs);
  const sim = await startSimulator({
    endpoint: { kind: "serial", path: pty.a, baudRate: 38400 },
    meters: [1, 2].map((unit) => ({
      unit,
      profile: requireProfile(profiles, "generic-prepaid"),
      powerW: 2000,
      importEnergyWh: 1_000_000,
    })),
    simClock,
  });
  cleanups.push(() => sim.stop());
  const text = `
gateway: { id: gw-test, dataDir: ${join(dir.path, "data")}, timezone: UTC }
buses: [{ id: rs485, transport: rtu, path: ${pty.b}, baudRate: 38400, timeoutMs: 300, interFrameGapMs: 5 }]
meters:
  - { id: flat-1, bus: rs485, unit: 1, profile: generic-prepaid, account: a1, pollIntervalMs: 30000 }
  - { id: hospital, bus: rs485, unit: 2, profile: generic-prepaid, account: h1, pollIntervalMs: 30000 }
accounts:
  - { id: a1, tariff: flat, balance: "0.30", alarm1: "0.20", alarm2: "0.10", overdraftLimit: "0", closeAllowedMin: "0" }
  - { id: h1, tariff: flat, balance: "0.10", protected: { reason: hospital } }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: ${policy}
`;
  const parsed = parseConfig(text, { baseDir: dir.path, profileNames: () => new Set(profiles.keys()) });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const gateway = new Gateway(parsed.config, {
    clock: simClock,
    wireClock: new SystemClock(),
    logger: silentLogger(),
    transportFactory: modbusTransportFactory,
    profiles,
  });
  await gateway.start();
  cleanups.push(() => gateway.stop());
  const events = (type: string) =>
    gateway.store.events.list({ limit: 10_000 }).filter((e) => e.type === type);
  return { sim, gateway, events };
}

describe("prepaid enforcement against simulated meters on a pty", () => {
  it("cuts after the notice, restores after a top-up, and never cuts the protected meter", async () => {
    const { sim, gateway, events } = await site(
      "{ cutNoticeMs: 600000, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }",
      Date.UTC(2026, 0, 5, 10, 0, 0),
    );
    const cut = await waitFor(() => sim.bus.writeLog.find((w) => w.unit === 1 && w.value === 0), {
      timeoutMs: 20_000,
      description: "the cut on unit 1",
    });
    expect(sim.bus.meters.get(1)!.relayClosed).toBe(false);
    const announced = events("cut.announced")[0];
    expect(announced?.meterId).toBe("flat-1");
    const planned = (announced!.payload as { data: { plannedAtMs: number } }).data.plannedAtMs;
    // Executed only once the 10-minute notice had run out (simulated time; a real second is 10 minutes).
    expect(cut.atMs).toBeGreaterThanOrEqual(planned - 30_000);
    expect(gateway.store.accounts.require("a1").balanceE7).toBeLessThanOrEqual(0);
    const cutOp = await waitFor(
      () =>
        gateway.store.relayOps.forMeter("flat-1", 10).find((o) => o.action === "cut" && o.result !== null),
      {
        timeoutMs: 5_000,
        description: "the completed cut audit row",
      },
    );
    expect(cutOp).toMatchObject({ action: "cut", result: "ok", readback: "open", requestedBy: "prepaid" });

    const topup = gateway.operations.topup({
      account: "a1",
      amountFen: 10_000,
      purchaseSeq: 1,
      paymentRef: "pay-1",
      source: "local",
    });
    expect(topup).toMatchObject({ ok: true, result: { status: "applied" } });
    await waitFor(() => sim.bus.writeLog.find((w) => w.unit === 1 && w.value === 1), {
      timeoutMs: 10_000,
      description: "the restore",
    });
    expect(sim.bus.meters.get(1)!.relayClosed).toBe(true);
    // The audit row follows the read-back, a moment after the write reached the meter.
    await waitFor(() => events("restore.done").length > 0, {
      timeoutMs: 5_000,
      description: "the restore audit event",
    });
    expect(events("restore.done").map((e) => e.meterId)).toEqual(["flat-1"]);

    // The hospital ran far into arrears meanwhile, and was never touched.
    expect(gateway.store.accounts.require("h1").balanceE7).toBeLessThan(0);
    expect(sim.bus.writeLog.filter((w) => w.unit === 2)).toEqual([]);
    expect(sim.bus.meters.get(2)!.relayClosed).toBe(true);
  });

  it("defers a cut inside a friendly period and executes it when the period ends", async () => {
    const start = Date.UTC(2026, 0, 5, 17, 45, 0); // a Monday, 15 minutes before the period ends
    const periodEnd = Date.UTC(2026, 0, 5, 18, 0, 0);
    const { sim, events } = await site(
      '{ cutNoticeMs: 60000, friendlyPeriods: [{ from: "08:00", to: "18:00" }], friendlyDays: [], maxRelayOpsPerHour: 10 }',
      start,
    );
    await waitFor(() => events("cut.deferred").length > 0, {
      timeoutMs: 20_000,
      description: "a deferred cut",
    });
    expect(sim.bus.writeLog.filter((w) => w.unit === 1)).toEqual([]);
    const cut = await waitFor(() => sim.bus.writeLog.find((w) => w.unit === 1 && w.value === 0), {
      timeoutMs: 20_000,
      description: "the cut after the period",
    });
    expect(cut.atMs).toBeGreaterThanOrEqual(periodEnd - 5_000);
    expect(sim.bus.writeLog.filter((w) => w.unit === 2)).toEqual([]);
  });
});
