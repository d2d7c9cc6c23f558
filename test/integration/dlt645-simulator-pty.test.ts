/**
 * The gateway against `meter-sim`'s DL/T 645 meters over a real pty pair at 2400 8E1: the service
 * reads every quantity of both profiles (the three-phase meter answers its blocks in follow-up frames),
 * and a cut for an account in arrears reaches the simulated meter as an applied 0x1C trip.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AcceleratedClock, SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { parseConfig } from "../../gateway/config/index.ts";
import { Gateway } from "../../gateway/service/gateway.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { requireDlt645Profile } from "../../protocols/profiles/load.ts";
import { tempDir, waitFor } from "../helpers/index.ts";
import { startInProcess } from "../helpers/simulator.ts";

const profiles = loadProfiles();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The names a stored reading carries: the profile's quantities, the meter clock and the relay. */
function expectedKeys(profileId: string): string[] {
  const profile = requireDlt645Profile(profiles, profileId);
  return [...profile.quantities.map((q) => q.name), "meterClockMs"].sort();
}

describe("the gateway on meter-sim's DL/T 645 meters over a pty", () => {
  it("reads every quantity of both profiles and trips the meter in arrears with 0x1C", async () => {
    const sim = await startInProcess({
      clock: { start: "2026-12-01T04:00:00Z", utcOffsetMinutes: 480 },
      buses: [
        {
          name: "dlt",
          protocol: "dlt645",
          endpoint: { kind: "pty", baud: 2400, parity: "even" },
          meters: [
            {
              units: 1,
              profile: "dlt645-single-phase",
              energyWh: 1_234_560,
              load: 1000,
              dlt645: { address: "000000000001", password: "123456" },
            },
            {
              units: 2,
              profile: "dlt645-three-phase",
              energyWh: 5_000_000,
              load: 3000,
              dlt645: { address: "000000000101", password: "123456", maxPayloadBytes: 8 },
            },
          ],
        },
      ],
    });
    cleanups.push(() => sim.stop());
    const dir = await tempDir("dlt645-sim-");
    cleanups.push(() => dir.remove());
    writeFileSync(join(dir.path, "meter-password"), "123456\n");
    const text = `
gateway: { id: gw-dl, dataDir: ${join(dir.path, "data")}, timezone: Asia/Shanghai }
buses: [{ id: dl, transport: serial, path: ${sim.buses[0]!.address}, timeoutMs: 800, interFrameGapMs: 10 }]
meters:
  - { id: flat-1, bus: dl, address: '000000000001', profile: dlt645-single-phase, account: a1,
      pollIntervalMs: 60000, relay: { passwordFile: meter-password } }
  - { id: shop-3p, bus: dl, address: '000000000101', profile: dlt645-three-phase, pollIntervalMs: 60000 }
accounts:
  - { id: a1, tariff: flat, balance: "-0.50", overdraftLimit: "0", closeAllowedMin: "0" }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 60000, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
`;
    const protocols = new Map([...profiles].map(([id, p]) => [id, p.protocol]));
    const parsed = parseConfig(text, { baseDir: dir.path, profileNames: () => protocols });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const gateway = new Gateway(parsed.config, {
      clock: new AcceleratedClock(600, Date.UTC(2026, 11, 1, 4, 0, 0)),
      wireClock: new SystemClock(),
      logger: silentLogger(),
      transportFactory: modbusTransportFactory,
      profiles,
    });
    await gateway.start();
    cleanups.push(() => gateway.stop());

    const stored = (meterId: string) =>
      waitFor(() => gateway.store.readings.latestForMeter(meterId), {
        timeoutMs: 30_000,
        description: `a stored reading of ${meterId}`,
      });
    const single = await stored("flat-1");
    const three = await stored("shop-3p");
    const keysOf = (r: typeof single, columns: Record<string, unknown>) =>
      [
        ...Object.entries(columns)
          .filter(([, v]) => v !== undefined)
          .map(([k]) => k),
        ...Object.keys(r.extra ?? {}).filter((k) => k !== "relayClosed"),
      ].sort();
    const columnsOf = (r: typeof single) => ({
      importEnergyWh: r.energyWh,
      exportEnergyWh: r.exportEnergyWh,
      voltageV: r.voltageV,
      currentA: r.currentA,
      powerW: r.powerW,
      powerFactor: r.powerFactor,
      frequencyHz: r.frequencyHz,
    });
    expect(keysOf(single, columnsOf(single))).toEqual(expectedKeys("dlt645-single-phase"));
    expect(keysOf(three, columnsOf(three))).toEqual(expectedKeys("dlt645-three-phase"));
    expect(single.energyWh).toBeGreaterThanOrEqual(1_234_560);
    expect(single.voltageV).toBe(230);
    expect(single.frequencyHz).toBe(50);
    expect(three.energyWh).toBeGreaterThanOrEqual(5_000_000);
    expect(three.extra).toMatchObject({ voltageL1V: 230, voltageL2V: 230, voltageL3V: 230 });
    // The meter's own clock, read in Asia/Shanghai: the simulation started at 04:00 UTC.
    expect(Math.abs(single.extra!["meterClockMs"]! - Date.UTC(2026, 11, 1, 4, 0, 0))).toBeLessThan(120_000);

    const trip = await waitFor(
      async () => {
        const { writes } = await sim.api.ok<{
          writes: Array<{ unit: number; dlt645: Record<string, unknown>; result: string }>;
        }>("GET", "/writes?bus=dlt");
        return writes.find((w) => w.unit === 1 && w.dlt645["command"] === "trip");
      },
      { timeoutMs: 30_000, description: "the 0x1C trip at the simulated meter" },
    );
    expect(trip.result).toBe("applied");
    expect((await sim.api.ok<{ relay: string }>("GET", "/meters/1?bus=dlt")).relay).toBe("open");
    const op = await waitFor(
      () =>
        gateway.store.relayOps.forMeter("flat-1", 10).find((o) => o.action === "cut" && o.result !== null),
      { timeoutMs: 10_000, description: "the completed cut" },
    );
    expect(op).toMatchObject({ result: "ok", readback: "open" });
  });
});
