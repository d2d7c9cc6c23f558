/**
 * /healthz and /status say when the site is not billing, on the real service (`meter-gateway run` as a
 * child) polling the simulator over Modbus TCP, with faults injected through the simulator's control
 * interface and, for the store, a trigger on the service's own SQLite file:
 * - a relay that does not follow its command (simulator fault `relay-stuck`);
 * - readings held because every one is implausible (a maxPowerW far below the meter's real load);
 * - batches of readings that cannot be stored (a trigger refuses readings rows), and the recovery;
 * - a replaced meter (simulator fault `meter-replaced`) waiting for confirmation.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startService, type ServiceUnderTest } from "../helpers/service.ts";
import { waitFor } from "../helpers/index.ts";
import { startInProcess, swapMeter } from "../helpers/simulator.ts";

type Sim = Awaited<ReturnType<typeof startInProcess>>;
let sim: Sim;
let service: ServiceUnderTest;

beforeAll(async () => {
  sim = await startInProcess({
    clock: { speed: 100 },
    buses: [
      {
        name: "site",
        endpoint: { kind: "tcp", port: 0 },
        meters: [
          { units: "1", profile: "generic-prepaid", load: 3000, energyWh: 1_000_000 },
          { units: "2", profile: "sdm120", load: 20_000, energyWh: 2_000_000 },
          { units: "3", profile: "sdm120", load: 500, energyWh: 3_000_000, serialNumber: 31000003 },
        ],
      },
    ],
  });
  const port = sim.buses[0]!.port!;
  service = await startService({
    config: ({ dataDir, httpPort }) => `
gateway: { id: gw-health, dataDir: ${dataDir}, httpPort: ${httpPort}, logLevel: warn }
buses: [{ id: site, transport: tcp, host: 127.0.0.1, port: ${port}, timeoutMs: 500 }]
meters:
  - { id: relay-1, bus: site, unit: 1, profile: generic-prepaid, account: owes, pollIntervalMs: 300, maxPowerW: 10000000 }
  - { id: fast-2, bus: site, unit: 2, profile: sdm120, account: fine, pollIntervalMs: 300, maxPowerW: 100 }
  - { id: swap-3, bus: site, unit: 3, profile: sdm120, account: swap, pollIntervalMs: 300, maxPowerW: 10000000 }
accounts:
  - { id: owes, tariff: flat, balance: "-1.00", overdraftLimit: "0" }
  - { id: fine, tariff: flat, balance: "1000.00" }
  - { id: swap, tariff: flat, balance: "1000.00" }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy:
  cutNoticeMs: 0
  friendlyPeriods: []
  friendlyDays: []
  maxRelayOpsPerHour: 60
  relayRetry: { delaysMs: [1000, 1000, 1000, 1000, 1000], thenEveryMs: 60000 }
`,
  });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await sim?.stop();
  await service?.dir.remove();
});

/** Waits until /healthz names a reason matching `pattern`; returns that reason. */
async function reasonMatching(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return waitFor(async () => (await service.health()).reasons.find((r) => pattern.test(r)), {
    timeoutMs,
    description: `a /healthz reason matching ${pattern}`,
  });
}

async function meterBilling(id: string): Promise<Record<string, unknown>> {
  const status = await service.status();
  const meters = status["meters"] as Array<{ id: string; billing: Record<string, unknown> }>;
  return meters.find((m) => m.id === id)!.billing;
}

/** Event types the service recorded, oldest first (read from its database). */
function eventTypes(meterId?: string): string[] {
  const db = new Database(service.dbFile, { readonly: true });
  try {
    const rows = db.prepare("SELECT type, meter_id FROM events ORDER BY id").all() as Array<{
      type: string;
      meter_id: string | null;
    }>;
    return rows.filter((r) => meterId === undefined || r.meter_id === meterId).map((r) => r.type);
  } finally {
    db.close();
  }
}

describe("health says when the site is not billing", () => {
  it(
    "a relay that does not follow its cut degrades /healthz until it does",
    { timeout: 60_000 },
    async () => {
      await sim.api.ok("POST", "/meters/1/faults", { kind: "relay-stuck" });
      // The account owes money: the gateway cuts at once, the stuck relay stays closed.
      const reason = await reasonMatching(/meter relay-1: relay does not follow/);
      expect(reason).toMatch(
        /^meter relay-1: relay does not follow its command: commanded open, reads closed/,
      );
      expect((await service.health()).status).toBe("degraded");
      expect(await meterBilling("relay-1")).toMatchObject({
        relayDisobeys: { expected: "open", actual: "closed" },
      });
      expect(await service.metrics()).toMatch(/meter_gateway_relay_disobeys\{meter="relay-1"\} 1/);

      // Freed, the relay follows the next re-drive and the reason goes away.
      await sim.api.ok("DELETE", "/meters/1/faults/relay-stuck");
      await waitFor(
        async () => !(await service.health()).reasons.some((r) => r.startsWith("meter relay-1: relay")),
        { timeoutMs: 20_000, description: "the relay reason to clear" },
      );
      expect(await meterBilling("relay-1")).toMatchObject({ relayDisobeys: null });
    },
  );

  it("readings held because every one is implausible degrade /healthz", { timeout: 60_000 }, async () => {
    // 20 kW at 100x simulated speed is 2 MW to the gateway: far above maxPowerW 100 W.
    const reason = await reasonMatching(/meter fast-2: readings held/);
    expect(reason).toMatch(
      /^meter fast-2: readings held, not billed: \d+ in a row since \S+ \(energy jumps more than the supply can draw\)/,
    );
    await reasonMatching(
      /meter fast-2: \d+ Wh in \d+ energy jump\(s\) held, not billed, until anomaly\.resolve/,
    );
    expect(await meterBilling("fast-2")).toMatchObject({ heldReadings: { stalled: true } });
  });

  it(
    "batches that cannot be stored degrade /healthz once per episode, and clear when one stores",
    {
      timeout: 60_000,
    },
    async () => {
      const db = new Database(service.dbFile);
      try {
        db.exec(`CREATE TRIGGER refuse_readings BEFORE INSERT ON readings
               BEGIN SELECT RAISE(ABORT, 'readings refused by the test'); END`);
        const reason = await reasonMatching(/readings cannot be stored/);
        expect(reason).toMatch(
          /^readings cannot be stored, so they are not billed: \d+ batch\(es\), \d+ reading\(s\) lost since \S+; last error: readings refused by the test$/,
        );
        // More batches fail: still one event for the episode.
        await waitFor(
          async () =>
            ((await service.status())["storage"] as { episode: { batches: number } }).episode.batches >= 3,
          { timeoutMs: 20_000, description: "three failed batches" },
        );
        expect(eventTypes().filter((t) => t === "store.failed")).toHaveLength(1);
        db.exec("DROP TRIGGER refuse_readings");
      } finally {
        db.close();
      }
      await waitFor(
        async () => !(await service.health()).reasons.some((r) => r.startsWith("readings cannot be stored")),
        { timeoutMs: 20_000, description: "storing to recover" },
      );
      expect(eventTypes().filter((t) => t.startsWith("store."))).toEqual(["store.failed", "store.recovered"]);
      expect((await service.status())["storage"]).toMatchObject({ failing: false, episode: null });
    },
  );

  it(
    "a replaced meter raises anomaly.meter-replaced and shows until confirmed",
    { timeout: 60_000 },
    async () => {
      await waitFor(async () => (await meterBilling("swap-3"))["heldReadings"] === null, {
        timeoutMs: 20_000,
        description: "swap-3 billed",
      });
      // A swap takes the meter off the bus for a while: no poll reads half the old meter, half the new.
      await swapMeter(sim.api, 3, { serialNumber: 55555555, energyWh: 0 });
      const reason = await reasonMatching(/meter swap-3: replaced/);
      expect(reason).toBe(
        "meter swap-3: replaced (serial 31000003 -> 55555555) and not confirmed: billed from the new meter's register; the jump is not charged; confirm with meter.replace.confirm",
      );
      expect(await meterBilling("swap-3")).toMatchObject({
        replacement: { oldSerial: 31000003, newSerial: 55555555, newEnergyWh: expect.any(Number) as number },
      });
      expect(eventTypes("swap-3").filter((t) => t.startsWith("anomaly."))).toEqual([
        "anomaly.meter-replaced",
      ]);
    },
  );
});
