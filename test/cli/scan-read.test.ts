/** The technician's scan and read commands against simulated meters on real TCP and a real pty. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { createPtyPair, type PtyPair } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

const profiles = loadProfiles();
const layout = [
  { unit: 3, profile: "sdm120" },
  { unit: 6, profile: "sdm630" },
  { unit: 9, profile: "dtsu666" },
  { unit: 12, profile: "generic-prepaid" },
];

let tcp: RunningSimulator;
let serial: RunningSimulator;
let pty: PtyPair;

beforeAll(async () => {
  const meters = layout.map((m) => ({
    unit: m.unit,
    profile: requireProfile(profiles, m.profile),
    importEnergyWh: 5_000_000,
  }));
  tcp = await startSimulator({ endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 }, meters });
  pty = await createPtyPair();
  serial = await startSimulator({ endpoint: { kind: "serial", path: pty.a, baudRate: 19200 }, meters });
});

afterAll(async () => {
  await tcp?.stop();
  await serial?.stop();
  await pty?.close();
});

describe("meter-gateway scan", () => {
  it("finds the units on a TCP endpoint and guesses each profile (--json)", async () => {
    const result = await runCli(gatewayCli, [
      "scan",
      "--tcp",
      tcp.address,
      "--units",
      "1-14",
      "--timeout",
      "300",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const found = (JSON.parse(result.stdout) as { found: Array<{ unit: number; profile: string }> }).found;
    expect(found.map((f) => [f.unit, f.profile])).toEqual(layout.map((m) => [m.unit, m.profile]));
  });

  it("finds the units on a serial bus and prints a table", async () => {
    const result = await runCli(gatewayCli, [
      "scan",
      "--serial",
      pty.b,
      "--baud",
      "19200",
      "--units",
      "1-13",
      // Generous for a loaded CI machine; a technician's default is 200 ms.
      "--timeout",
      "300",
    ]);
    expect(result.code).toBe(0);
    // Each meter with the line settings it answered on.
    for (const m of layout)
      expect(result.stdout).toMatch(new RegExp(`^${m.unit}\\s+19200 8N1\\s+${m.profile}\\s`, "m"));
    expect(result.stdout).toMatch(/4 meter\(s\) found/);
  });
});

describe("meter-gateway read", () => {
  it("prints every quantity of the profile with its unit", async () => {
    const result = await runCli(gatewayCli, [
      "read",
      "--serial",
      pty.b,
      "--baud",
      "19200",
      "--unit",
      "12",
      "--profile",
      "generic-prepaid",
    ]);
    expect(result.code).toBe(0);
    for (const q of requireProfile(profiles, "generic-prepaid").quantities)
      expect(result.stdout).toContain(q.name);
    expect(result.stdout).toMatch(/voltageV\s+230\.0 V/);
    expect(result.stdout).toMatch(/importEnergyWh\s+500\d{4} Wh \(500\d\.\d{3} kWh\)/);
    expect(result.stdout).toMatch(/relay\s+closed \(supply on\)/);
  });

  it("returns machine-readable values with --json", async () => {
    const result = await runCli(gatewayCli, [
      "read",
      "--tcp",
      tcp.address,
      "--unit",
      "6",
      "--profile",
      "sdm630",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as { values: Record<string, number> };
    expect(Object.keys(out.values).sort()).toEqual(
      requireProfile(profiles, "sdm630")
        .quantities.map((q) => q.name)
        .sort(),
    );
  });

  it("says plainly when a unit does not answer", async () => {
    const result = await runCli(gatewayCli, [
      "read",
      "--tcp",
      tcp.address,
      "--unit",
      "5",
      "--profile",
      "sdm120",
      "--timeout",
      "150",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no reply from unit 5 within 150 ms/);
  });

  it("says plainly when the serial device does not exist", async () => {
    const result = await runCli(gatewayCli, [
      "read",
      "--serial",
      "/dev/ttyDOESNOTEXIST",
      "--unit",
      "1",
      "--profile",
      "sdm120",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/serial device \/dev\/ttyDOESNOTEXIST does not exist/);
  });

  it("rejects a bad call with a usage error", async () => {
    const result = await runCli(gatewayCli, [
      "read",
      "--tcp",
      tcp.address,
      "--unit",
      "300",
      "--profile",
      "sdm120",
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--unit must be 1\.\.247/);
  });
});

describe("meter-gateway read without permission on the device", () => {
  it("explains the dialout-group fix", async () => {
    const { mkdtempSync, writeFileSync, chmodSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { spawnSync } = await import("node:child_process");
    const dir = mkdtempSync(join(tmpdir(), "perm-"));
    chmodSync(dir, 0o755);
    const device = join(dir, "ttyRS485");
    writeFileSync(device, "");
    chmodSync(device, 0o000);
    try {
      // As root every open succeeds, so run the CLI as an unprivileged user, as a technician would be.
      const asUser =
        process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
      const result = spawnSync(
        asUser[0] ?? process.execPath,
        [
          ...asUser.slice(1),
          ...(asUser.length > 0 ? [process.execPath] : []),
          "--import",
          "tsx",
          gatewayCli,
          "read",
          "--serial",
          device,
          "--unit",
          "1",
          "--profile",
          "sdm120",
        ],
        { encoding: "utf8", timeout: 20_000 },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /permission denied opening .*ttyRS485: add the user to the dialout group/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
