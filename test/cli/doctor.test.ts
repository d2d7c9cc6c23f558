/** `meter-gateway doctor` on a site with a missing serial device and a broker that is down, then up. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { freePort, startMosquitto, tempDir, type MosquittoBroker, type TempDir } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

let sim: RunningSimulator;
let dir: TempDir;
let broker: MosquittoBroker;

beforeAll(async () => {
  sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: [1, 2].map((unit) => ({ unit, profile: requireProfile(loadProfiles(), "sdm120") })),
  });
  dir = await tempDir("doctor-");
  broker = await startMosquitto();
});
afterAll(async () => {
  await sim?.stop();
  await broker?.stop();
  await dir?.remove();
});

function writeConfig(name: string, mqttUrl: string): string {
  const file = join(dir.path, name);
  writeFileSync(
    file,
    `gateway: { id: gw, dataDir: ${join(dir.path, "data")} }
buses:
  - { id: rs485-1, transport: rtu, path: /dev/ttyMISSING0 }
  - { id: plant, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 300 }
meters:
  - { id: m1, bus: rs485-1, unit: 1, profile: sdm120 }
  - { id: m2, bus: plant, unit: 1, profile: sdm120 }
mqtt: { url: "${mqttUrl}" }
`,
  );
  return file;
}

describe("meter-gateway doctor", () => {
  it("reads each meter with its own profile, as run will, and names the one that cannot be read", async () => {
    // Unit 2 is an SDM120 configured as a prepaid meter: it answers a generic probe, but its profile's
    // relay read-back (FC 01) is refused, so run would take it offline and never bill it.
    const file = join(dir.path, "wrong-profile.yaml");
    writeFileSync(
      file,
      `gateway: { id: gw, dataDir: ${join(dir.path, "data")} }
buses:
  - { id: plant, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 300 }
meters:
  - { id: good, bus: plant, unit: 1, profile: sdm120 }
  - { id: wrong, bus: plant, unit: 2, profile: generic-prepaid }
`,
    );
    const result = await runCli(gatewayCli, ["doctor", "-c", file], { timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /\[ OK \] meter good \(bus plant tcp 127\.0\.0\.1:\d+, unit 1, profile sdm120\): read as run reads it: import \d+\.\d+ kWh, 2\d\d\.\d V/,
    );
    expect(result.stdout).toMatch(
      /\[FAIL\] meter wrong \(bus plant tcp 127\.0\.0\.1:\d+, unit 2, profile generic-prepaid\): the meter answers but refuses a read of its profile: .*exception.*02.*\n\s+fix: .*profile/i,
    );
    expect(result.stdout).not.toMatch(/all \d+ meter\(s\) answer/);
  });

  it("explains a missing serial device and a down broker, and exits 1", async () => {
    const file = writeConfig("down.yaml", `mqtt://127.0.0.1:${await freePort()}`);
    const result = await runCli(gatewayCli, ["doctor", "-c", file], { timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /\[FAIL\] serial device \/dev\/ttyMISSING0 \(bus rs485-1\): does not exist\n\s+fix: check the USB-RS485 adapter is plugged in/,
    );
    expect(result.stdout).toMatch(
      /\[ OK \] meter m2 \(bus plant tcp 127\.0\.0\.1:\d+, unit 1, profile sdm120\): read as run reads it: import \d+\.\d+ kWh/,
    );
    expect(result.stdout).toMatch(
      /\[FAIL\] MQTT broker mqtt:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\n\s+fix: the broker is unreachable/,
    );
    expect(result.stdout).toMatch(/\[ OK \] config/);
    // Whether the machine's clock is NTP-synchronised varies; the two known problems are counted.
    expect(result.stdout).toMatch(/[23] problem\(s\) found/);
  });

  it("reports a reachable broker as fine", async () => {
    const file = writeConfig("up.yaml", broker.url);
    const result = await runCli(gatewayCli, ["doctor", "-c", file, "--json"], { timeoutMs: 30_000 });
    const out = JSON.parse(result.stdout) as { checks: Array<{ name: string; ok: boolean }> };
    expect(out.checks.find((c) => c.name.startsWith("MQTT broker"))).toMatchObject({ ok: true });
    expect(out.checks.filter((c) => !c.ok && c.name !== "clock").map((c) => c.name)).toEqual([
      "serial device /dev/ttyMISSING0 (bus rs485-1)",
    ]);
  });
});

describe("meter-gateway doctor on a DL/T 645 bus", () => {
  it("reads a DL/T 645 meter by its address as run will, and names the missing serial device of another", async () => {
    const dltSim = await startSimulator({
      endpoint: { kind: "pty", baudRate: 2400, parity: "even" },
      meters: [],
      dltMeters: [
        { unit: 1, importEnergyWh: 2_000_000, dlt645: { address: "000000000001", model: "single-phase" } },
      ],
    });
    try {
      const file = join(dir.path, "dlt645.yaml");
      writeFileSync(
        file,
        `gateway: { id: gw, dataDir: ${join(dir.path, "data")} }
buses:
  - { id: dl, transport: serial, path: ${dltSim.address}, timeoutMs: 800 }
  - { id: dl-missing, transport: serial, path: /dev/ttyMISSING1 }
meters:
  - { id: dl-1, bus: dl, address: '000000000001', profile: dlt645-single-phase }
  - { id: dl-2, bus: dl-missing, address: '000000000002', profile: dlt645-single-phase }
`,
      );
      const result = await runCli(gatewayCli, ["doctor", "-c", file], { timeoutMs: 30_000 });
      expect(result.stdout).toMatch(
        /\[ OK \] meter dl-1 \(bus dl \S+ 2400 8E1, address 000000000001, profile dlt645-single-phase\): read as run reads it: import 20\d\d\.\d\d kWh, 2\d\d\.\d V/,
      );
      expect(result.stdout).toMatch(
        /\[FAIL\] serial device \/dev\/ttyMISSING1 \(bus dl-missing\): does not exist/,
      );
    } finally {
      await dltSim.stop();
    }
  });
});
