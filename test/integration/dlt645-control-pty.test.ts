/**
 * DL/T 645 control features against `meter-sim`'s meters over real pty pairs at 2400 8E1, the gateway
 * and the simulator on one shared accelerated clock (10x):
 * - a top-up restores one meter by allow-close (0x1C 1B: the relay stays open until the simulated
 *   customer presses the button through the control API, then the gateway reports the close) and
 *   another by direct close (1C);
 * - the broadcast time sync sends one 0x08 on the bus whose meters are within 5 minutes, which the
 *   meters apply, and none on a bus with a meter 7 minutes off, reported as clock.meter-drift instead;
 * - a relay.forward block for the ESAM meter (level 98) reaches it byte for byte, once, audited.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { parseConfig } from "../../gateway/config/index.ts";
import { Gateway } from "../../gateway/service/gateway.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { tempDir, waitFor } from "../helpers/index.ts";
import { startInProcess } from "../helpers/simulator.ts";

const profiles = loadProfiles();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Write {
  unit: number;
  fc: number;
  result: string;
  dlt645?: Record<string, unknown>;
}

const meter = (unit: number, address: string, clockOffsetMs: number, level = 2) => ({
  units: unit,
  profile: "dlt645-single-phase",
  energyWh: 1_000_000,
  load: 1000,
  dlt645: { address, password: "123456", clockOffsetMs, level },
});

async function start() {
  const sim = await startInProcess({
    // 10:00 local (UTC+8): far from midnight and the daily freeze.
    clock: { start: "2026-12-01T02:00:00Z", utcOffsetMinutes: 480, speed: 10 },
    buses: [
      {
        name: "dlt",
        protocol: "dlt645",
        endpoint: { kind: "pty", baud: 2400, parity: "even" },
        meters: [meter(1, "000000000001", 40_000), meter(2, "000000000002", -20_000)],
      },
      {
        name: "far",
        protocol: "dlt645",
        endpoint: { kind: "pty", baud: 2400, parity: "even" },
        meters: [meter(3, "000000000003", -7 * 60_000, 98)], // an ESAM meter
      },
    ],
  });
  cleanups.push(() => sim.stop());
  const dir = await tempDir("dlt645-control-");
  cleanups.push(() => dir.remove());
  writeFileSync(join(dir.path, "meter-password"), "123456\n");
  const relay = "relay: { passwordFile: meter-password }";
  const text = `
gateway: { id: gw-dl, dataDir: ${join(dir.path, "data")}, timezone: Asia/Shanghai }
buses:
  - { id: dl, transport: serial, path: ${sim.buses[0]!.address}, timeoutMs: 800, interFrameGapMs: 10 }
  - { id: far, transport: serial, path: ${sim.buses[1]!.address}, timeoutMs: 800, interFrameGapMs: 10 }
meters:
  - { id: flat-1, bus: dl, address: '000000000001', profile: dlt645-single-phase, account: a1,
      restoreMode: allow-close, pollIntervalMs: 20000, ${relay} }
  - { id: flat-2, bus: dl, address: '000000000002', profile: dlt645-single-phase, account: a2,
      pollIntervalMs: 20000, ${relay} }
  - { id: far-3, bus: far, address: '000000000003', profile: dlt645-single-phase, pollIntervalMs: 60000,
      relay: { passwordFile: meter-password, level: 98 } }
accounts:
  - { id: a1, tariff: flat, balance: "-0.50", overdraftLimit: "0", closeAllowedMin: "0" }
  - { id: a2, tariff: flat, balance: "-0.50", overdraftLimit: "0", closeAllowedMin: "0" }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
`;
  const protocols = new Map([...profiles].map(([id, p]) => [id, p.protocol]));
  const parsed = parseConfig(text, { baseDir: dir.path, profileNames: () => protocols });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const gateway = new Gateway(parsed.config, {
    clock: sim.simulation.clock,
    wireClock: new SystemClock(),
    logger: silentLogger(),
    transportFactory: modbusTransportFactory,
    profiles,
  });
  await gateway.start();
  cleanups.push(() => gateway.stop());
  const writes = async (bus: string) =>
    (await sim.api.ok<{ writes: Write[] }>("GET", `/writes?bus=${bus}`)).writes;
  const simMeter = (bus: string, unit: number) =>
    sim.api.ok<{ relay: string; dlt645: { awaitingButton: boolean } }>("GET", `/meters/${unit}?bus=${bus}`);
  const events = (type: string) => gateway.store.events.list({ type, limit: 100 });
  return { sim, gateway, writes, simMeter, events };
}

describe("DL/T 645 control over a pty", () => {
  it("restores by allow-close (closed by the customer's button) and by direct close", async () => {
    const { gateway, writes, simMeter, events, sim } = await start();
    const tripped = async (unit: number) =>
      (await writes("dlt")).some(
        (w) => w.unit === unit && w.dlt645?.["command"] === "trip" && w.result === "applied",
      );
    await waitFor(async () => (await tripped(1)) && (await tripped(2)), {
      timeoutMs: 30_000,
      description: "both meters tripped for arrears",
    });
    for (const account of ["a1", "a2"]) {
      const topup = gateway.operations.topup({
        account,
        amountFen: 1000,
        purchaseSeq: 1,
        paymentRef: `pay-${account}`,
        source: "local",
      });
      expect(topup.ok).toBe(true);
    }
    const restored = (meterId: string) =>
      waitFor(
        () =>
          gateway.store.relayOps
            .forMeter(meterId, 10)
            .find((o) => o.action === "restore" && o.result !== null),
        { timeoutMs: 30_000, description: `the completed restore of ${meterId}` },
      );
    expect(await restored("flat-1")).toMatchObject({
      result: "ok",
      readback: "open",
      detail: "close allowed: waiting for the customer's button",
    });
    expect(await restored("flat-2")).toMatchObject({ result: "ok", readback: "closed", detail: null });
    const commands = (await writes("dlt"))
      .filter((w) => w.fc === 28)
      .map((w) => [w.unit, w.dlt645?.["command"], w.result]);
    expect(commands.filter(([, command]) => command !== "alarmOn")).toEqual([
      [1, "trip", "applied"],
      [2, "trip", "applied"],
      [1, "allowClose", "applied"],
      [2, "directClose", "applied"],
    ]);
    // The first charge finds both accounts below alarm 1: the meters' alarms (2A) go on, once each.
    const alarms = await waitFor(
      async () => {
        const units = (await writes("dlt"))
          .filter((w) => w.dlt645?.["command"] === "alarmOn")
          .map((w) => w.unit);
        return units.length >= 2 ? units : undefined;
      },
      { timeoutMs: 30_000, description: "the meters' alarms on" },
    );
    expect(alarms.sort()).toEqual([1, 2]);
    expect(await simMeter("dlt", 1)).toMatchObject({ relay: "open", dlt645: { awaitingButton: true } });
    expect((await simMeter("dlt", 2)).relay).toBe("closed");
    expect(events("restore.allowed").map((e) => e.meterId)).toEqual(["flat-1"]);

    await sim.api.ok("POST", "/meters/1/button?bus=dlt");
    const closedByCustomer = await waitFor(() => events("restore.customer-closed")[0], {
      timeoutMs: 30_000,
      description: "the gateway seeing the customer's close",
    });
    expect(closedByCustomer).toMatchObject({ meterId: "flat-1", accountId: "a1" });
    expect(events("relay.mismatch")).toEqual([]);
    expect(events("relay.state-disagrees")).toEqual([]);
  });

  it("broadcasts the time once on the bus within 5 minutes; reports the meter 7 minutes off instead", async () => {
    const { gateway, writes, events } = await start();
    const broadcast = await waitFor(
      async () => {
        const sent = (await writes("dlt")).filter((w) => w.fc === 8);
        return sent.length >= 2 ? sent : undefined; // one 0x08 frame, logged once per meter that heard it
      },
      { timeoutMs: 60_000, description: "the time broadcast on bus dl" },
    );
    expect(broadcast.map((w) => [w.unit, w.result])).toEqual([
      [1, "applied"],
      [2, "applied"],
    ]);
    const drift = await waitFor(() => events("clock.meter-drift")[0], {
      timeoutMs: 60_000,
      description: "the drift report of far-3",
    });
    expect(drift.meterId).toBe("far-3");
    // The rounds of both buses are settled for the day: nothing more goes out today.
    expect(gateway.store.kv.get("meterClock.bus.far")).toBe("2026-12-01");
    expect(gateway.store.kv.get("meterClock.bus.dl")).toBe("2026-12-01");
    expect((await writes("far")).filter((w) => w.fc === 8)).toEqual([]);
    expect((await writes("dlt")).filter((w) => w.fc === 8)).toHaveLength(2);
    const synced = events("clock.meter-synced")[0]?.payload as {
      data: { corrected: Array<{ meterId: string; driftMs: number }> };
    };
    const drifts = Object.fromEntries(synced.data.corrected.map((c) => [c.meterId, c.driftMs]));
    expect(drifts["flat-1"]).toBeGreaterThan(35_000);
    expect(drifts["flat-1"]).toBeLessThan(45_000);
    expect(drifts["flat-2"]).toBeLessThan(-15_000);
    expect(drifts["flat-2"]).toBeGreaterThan(-25_000);
  });

  it("forwards a platform-encrypted relay command to the ESAM meter once and audits it", async () => {
    const { gateway, writes } = await start();
    const forwarder = gateway.executorPorts().relayForward!;
    const params = {
      meter: "far-3",
      action: "cut" as const,
      block: "0123456789abcdef0123456789abcdef",
      mac: "a1b2c3d4",
      reason: "arrears",
    };
    const prepared = gateway.store.transaction(() => forwarder.prepare(params, "tx-esam-0001"));
    if (!prepared.ok) throw new Error(prepared.message);
    const result = await prepared.result();
    expect(result).toMatchObject({ meter: "far-3", action: "cut", answer: "accepted" });
    const sent = (await writes("far")).filter((w) => w.fc === 28);
    expect(sent.map((w) => [w.unit, w.dlt645?.["level"], w.dlt645?.["ciphertextHex"], w.result])).toEqual([
      [3, 98, "0123456789abcdef0123456789abcdefa1b2c3d4", "applied"],
    ]);
    const [op] = gateway.store.relayOps.forMeter("far-3", 10);
    expect(op).toMatchObject({ action: "cut", requestedBy: "platform", commandTxId: "tx-esam-0001" });
    // The simulator cannot decrypt, so its relay stays closed: the read-back says the cut did not happen.
    expect(op).toMatchObject({ result: "readback_mismatch", readback: "closed" });
    expect(result.relay).toBe("closed");
  });
});
