/**
 * The service on DL/T 645 meters: the real gateway (config, buses built from it, the prepaid engine,
 * SQLite) polls a DL/T 645 meter over a socat pty, stores every quantity of the profile, and a cut for
 * an account in arrears goes out as a 0x1C trip (1A) that reaches the meter, with its read-back.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AcceleratedClock, SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { parseConfig } from "../../gateway/config/index.ts";
import { Gateway } from "../../gateway/service/gateway.ts";
import { encodePassword, type FieldValue } from "../../protocols/dlt645/index.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { startResponder, type ResponderMeter } from "../helpers/dlt645-responder.ts";
import { createPtyPair, tempDir, waitFor } from "../helpers/index.ts";
import { writeFileSync } from "node:fs";

const profiles = loadProfiles();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function responderMeter(address: string, importEnergyWh: number): ResponderMeter {
  const values = new Map<number, FieldValue[]>([
    [0x0001ff00, [importEnergyWh, importEnergyWh, 0, 0, 0]],
    [0x0002ff00, [0, 0, 0, 0, 0]],
    [0x02010100, [230.1]],
    [0x02020100, [1.5]],
    [0x02030000, [345]],
    [0x02060000, [0.999]],
    [0x02800002, [50]],
    [0x03300d00, [0]],
    [0x03110000, [2]],
    [0x04000101, [{ year: 2026, month: 1, day: 5, weekday: 1 }]],
    [0x04000102, [{ hour: 18, minute: 0, second: 0 }]],
  ]);
  return {
    address,
    values,
    refused: new Set(),
    splitAt: new Map(),
    passwordBytes: encodePassword("135790", "low-first"),
    relayOpen: false,
    faults: [],
  };
}

describe("the service on a DL/T 645 bus over a pty", () => {
  it("stores every quantity of the profile and trips the meter in arrears with 0x1C, never the protected one", async () => {
    const pty = await createPtyPair();
    cleanups.push(() => pty.close());
    const dir = await tempDir("dlt645-svc-");
    cleanups.push(() => dir.remove());
    writeFileSync(join(dir.path, "meter-password"), "135790\n");
    const responder = await startResponder(pty.a, [
      responderMeter("000000000001", 1_000_000),
      responderMeter("000000000002", 2_000_000),
    ]);
    cleanups.push(() => responder.close());
    const text = `
gateway: { id: gw-dl, dataDir: ${join(dir.path, "data")}, timezone: Asia/Shanghai }
buses: [{ id: dl, transport: serial, path: ${pty.b}, timeoutMs: 400, interFrameGapMs: 5 }]
meters:
  - { id: flat-1, bus: dl, address: '000000000001', profile: dlt645-single-phase, account: a1,
      pollIntervalMs: 30000, relay: { passwordFile: meter-password } }
  - { id: hospital, bus: dl, address: '000000000002', profile: dlt645-single-phase, account: h1,
      pollIntervalMs: 30000, relay: { passwordFile: meter-password } }
accounts:
  - { id: a1, tariff: flat, balance: "-0.50", overdraftLimit: "0", closeAllowedMin: "0" }
  - { id: h1, tariff: flat, balance: "-0.50", protected: { reason: hospital } }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 60000, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
`;
    const protocols = new Map([...profiles].map(([id, p]) => [id, p.protocol]));
    const parsed = parseConfig(text, { baseDir: dir.path, profileNames: () => protocols });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const clock = new AcceleratedClock(600, Date.UTC(2026, 0, 5, 10, 0, 0));
    const gateway = new Gateway(parsed.config, {
      clock,
      wireClock: new SystemClock(),
      logger: silentLogger(),
      transportFactory: modbusTransportFactory,
      profiles,
    });
    await gateway.start();
    cleanups.push(() => gateway.stop());

    const stored = await waitFor(() => gateway.store.readings.latestForMeter("flat-1"), {
      timeoutMs: 20_000,
      description: "a stored reading of flat-1",
    });
    expect(stored).toMatchObject({
      energyWh: 1_000_000,
      exportEnergyWh: 0,
      voltageV: 230.1,
      currentA: 1.5,
      powerW: 345,
      powerFactor: 0.999,
      frequencyHz: 50,
    });
    expect(stored.extra).toMatchObject({
      importEnergyT1Wh: 1_000_000,
      importEnergyT4Wh: 0,
      exportEnergyT1Wh: 0,
      statusWord3: 0,
      coverOpenCount: 0,
      powerDownCount: 2,
      meterClockMs: Date.UTC(2026, 0, 5, 10, 0, 0),
      relayClosed: 1,
    });

    const trip = await waitFor(
      () => responder.requests.find((r) => r.kind === "relay-control" && r.address === "000000000001"),
      { timeoutMs: 20_000, description: "the 0x1C trip on flat-1" },
    );
    if (trip.kind !== "relay-control") throw new Error("not a relay command");
    expect(trip.body[0]).toBe(0x1a);
    expect(Buffer.from(trip.passwordBytes).toString("hex")).toBe("905713");
    expect(responder.meters.get("000000000001")!.relayOpen).toBe(true);
    const op = await waitFor(
      () =>
        gateway.store.relayOps.forMeter("flat-1", 10).find((o) => o.action === "cut" && o.result !== null),
      { timeoutMs: 5_000, description: "the completed cut" },
    );
    expect(op).toMatchObject({ result: "ok", readback: "open", requestedBy: "prepaid" });
    expect(
      responder.requests.filter((r) => r.kind === "relay-control" && r.address === "000000000002"),
    ).toEqual([]);
  });
});
