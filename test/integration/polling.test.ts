/**
 * The gateway's bus layer against simulated meters over a real TCP socket and a real socat pty:
 * every quantity of every shipped profile decodes; a dead unit is backed off; relay writes overtake
 * queued polls.
 */
import { afterEach, describe, expect, it } from "vitest";
import { quantityUnits } from "../../protocols/profiles/quantities.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { createPtyPair, waitFor, type PtyPair } from "../helpers/index.ts";
import { profiles, startBus } from "../helpers/bus-harness.ts";

const shipped = ["sdm120", "sdm630", "dtsu666", "generic-prepaid"] as const;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulate(
  endpoint: Parameters<typeof startSimulator>[0]["endpoint"],
  extra: Partial<Parameters<typeof startSimulator>[0]> = {},
) {
  const sim = await startSimulator({
    endpoint,
    meters: shipped.map((id, i) => ({
      unit: i + 1,
      profile: requireProfile(profiles, id),
      powerW: 3000 + i * 100,
      importEnergyWh: 1_234_000 + i,
    })),
    ...extra,
  });
  cleanups.push(() => sim.stop());
  return sim;
}

function expectEveryQuantity(sim: RunningSimulator, readings: ReturnType<typeof startBus>["readings"]) {
  for (const [i, id] of shipped.entries()) {
    const reading = readings.find((r) => r.unit === i + 1);
    expect(reading, `a reading of ${id}`).toBeDefined();
    const profile = requireProfile(profiles, id);
    const meter = sim.bus.meters.get(i + 1)!;
    for (const q of profile.quantities) {
      const value = reading!.values[q.name];
      expect(value, `${id}.${q.name}`).toBeTypeOf("number");
      if (q.name.endsWith("EnergyWh")) {
        expect(Number.isInteger(value), `${id}.${q.name} is integer Wh`).toBe(true);
      } else {
        // float32 and the profile's scale keep about 6 significant digits.
        expect(value!, `${id}.${q.name} (${quantityUnits[q.name]})`).toBeCloseTo(meter.quantity(q.name), 1);
      }
    }
    expect(reading!.values.importEnergyWh).toBeGreaterThanOrEqual(1_234_000);
    if (profile.relay !== undefined) expect(reading!.relayClosed).toBe(true);
  }
}

describe.each([
  ["Modbus TCP", "tcp"],
  ["RTU over TCP", "rtu-over-tcp"],
] as const)("polling over %s", (_name, kind) => {
  it("decodes every quantity of every shipped profile", async () => {
    const sim = await simulate({ kind, host: "127.0.0.1", port: 0 });
    const bus = startBus(
      { kind, host: "127.0.0.1", port: sim.port! },
      shipped.map((id, i) => ({ id: `m-${id}`, unit: i + 1, profile: id })),
    );
    cleanups.push(() => bus.stop());
    bus.poller.start();
    await waitFor(() => new Set(bus.readings.map((r) => r.unit)).size === shipped.length, {
      timeoutMs: 10_000,
    });
    expectEveryQuantity(sim, bus.readings);
  });
});

describe("polling over Modbus RTU on a pty pair", () => {
  let pty: PtyPair;

  it("decodes every quantity of every shipped profile", async () => {
    pty = await createPtyPair();
    cleanups.push(() => pty.close());
    const sim = await simulate({ kind: "serial", path: pty.a, baudRate: 9600 });
    const bus = startBus(
      { kind: "rtu", path: pty.b, baudRate: 9600, parity: "none", dataBits: 8, stopBits: 1 },
      shipped.map((id, i) => ({ id: `m-${id}`, unit: i + 1, profile: id })),
      { timeoutMs: 500, interFrameGapMs: 10 },
    );
    cleanups.push(() => bus.stop());
    bus.poller.start();
    await waitFor(() => new Set(bus.readings.map((r) => r.unit)).size === shipped.length, {
      timeoutMs: 15_000,
    });
    expectEveryQuantity(sim, bus.readings);
  });

  it("backs off a dead unit so it costs one timeout per backoff period, and keeps polling the live ones", async () => {
    pty = await createPtyPair();
    cleanups.push(() => pty.close());
    const sim = await simulate({ kind: "serial", path: pty.a, baudRate: 9600 });
    const live = [1, 2, 3, 4];
    const bus = startBus(
      { kind: "rtu", path: pty.b, baudRate: 9600, parity: "none", dataBits: 8, stopBits: 1 },
      [
        ...live.map((unit) => ({
          id: `live-${unit}`,
          unit,
          profile: shipped[unit - 1]!,
          pollIntervalMs: 100,
        })),
        { id: "dead", unit: 42, profile: "sdm120", pollIntervalMs: 100 },
      ],
      {
        timeoutMs: 150,
        interFrameGapMs: 5,
        backoffInitialMs: 800,
        backoffMaxMs: 1600,
        offlineAfterFailures: 2,
      },
    );
    cleanups.push(() => bus.stop());
    const started = performance.now();
    bus.poller.start();
    await waitFor(() => bus.states.some(([id, s]) => id === "dead" && s === "offline"), { timeoutMs: 5000 });
    const deadAtOffline = bus.scheduler.countersFor("dead").errors["TIMEOUT"] ?? 0;
    // Before going offline: 2 polls x (1 + 1 retry) attempts.
    expect(deadAtOffline).toBe(4);
    const liveAtOffline = bus.readings.length;
    await waitFor(() => bus.readings.length >= liveAtOffline + 60, { timeoutMs: 20_000 });
    const elapsedMs = performance.now() - started;
    const deadTimeouts = bus.scheduler.countersFor("dead").errors["TIMEOUT"] ?? 0;
    // Probes while backed off: a single attempt each, no more often than every 800 ms.
    expect(deadTimeouts - deadAtOffline).toBeLessThanOrEqual(Math.ceil(elapsedMs / 800));
    expect(bus.scheduler.countersFor("dead").state).toBe("offline");
    for (const unit of live) expect(bus.scheduler.countersFor(`live-${unit}`).state).toBe("online");
    // No live meter was ever taken offline by the dead one's timeouts.
    expect(bus.states.filter(([id, s]) => id !== "dead" && s === "offline")).toEqual([]);
    expect(sim.bus.meters.has(42)).toBe(false);
  });

  it("sends a relay write ahead of the polls already queued", async () => {
    pty = await createPtyPair();
    cleanups.push(() => pty.close());
    const sim = await startSimulator({
      endpoint: { kind: "serial", path: pty.a, baudRate: 9600 },
      meters: Array.from({ length: 8 }, (_, i) => ({
        unit: i + 1,
        profile: requireProfile(profiles, "generic-prepaid"),
      })),
    });
    cleanups.push(() => sim.stop());
    const order: string[] = [];
    sim.bus.onRequest = (unit, pdu) => order.push(`${unit}:${pdu[0]}`);
    const bus = startBus(
      { kind: "rtu", path: pty.b, baudRate: 9600, parity: "none", dataBits: 8, stopBits: 1 },
      Array.from({ length: 8 }, (_, i) => ({
        id: `m${i + 1}`,
        unit: i + 1,
        profile: "generic-prepaid",
        pollIntervalMs: 60_000,
      })),
      { timeoutMs: 500, interFrameGapMs: 5 },
    );
    cleanups.push(() => bus.stop());
    bus.poller.start();
    // All eight polls are due at start: one is in hand, the rest wait in the queue.
    await waitFor(() => bus.scheduler.queued.poll >= 4, { timeoutMs: 2000, intervalMs: 1 });
    const startedBeforeWrite = new Set(order.map((o) => o.split(":")[0])).size;
    await bus.poller.writeRelay("m8", false);
    expect(sim.bus.writeLog).toMatchObject([{ unit: 8, fc: 5, address: 0, value: 0, result: "applied" }]);
    expect(sim.bus.meters.get(8)!.relayClosed).toBe(false);
    const writeAt = order.indexOf("8:5");
    // Before the write, only the polls already started (plus the one in hand) reached the bus.
    const unitsBeforeWrite = new Set(order.slice(0, writeAt).map((o) => o.split(":")[0]));
    expect(unitsBeforeWrite.size).toBeLessThanOrEqual(startedBeforeWrite + 1);
    expect(unitsBeforeWrite.has("8")).toBe(false);
    await waitFor(() => bus.readings.some((r) => r.unit === 8), { timeoutMs: 10_000 });
    expect(bus.readings.find((r) => r.unit === 8)!.relayClosed).toBe(false);
  });
});
