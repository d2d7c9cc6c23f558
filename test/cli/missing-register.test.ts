/**
 * Issue 10, defect 8: an SDM120 whose firmware lacks the serial-number register (FC 03 0xFC00) answers
 * exception 02 there. `read` and `scan` must still work: the serial number is optional in the shipped
 * profiles, so it is reported as not supported and everything else is read.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { faultSpecSchema } from "../../simulator/faults/fault-spec.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { tempDir } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

const profiles = loadProfiles();
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: [{ unit: 4, profile: requireProfile(profiles, "sdm120"), importEnergyWh: 5_000_000 }],
  });
  lackRegisters(3, 0xfc00, 2);
});

/** The meter at unit 4 answers exception 02 for reads touching [address, address + count). */
function lackRegisters(fc: number, address: number, count: number): void {
  const spec = faultSpecSchema.parse({ kind: "missing-registers", fc, address, count });
  sim.simulation.injectFault(sim.simulation.findMeter(4), spec, "control");
}

afterAll(async () => {
  await sim?.stop();
});

/** `meter-gateway read` of the SDM120 at unit 4, with `extra` arguments. */
const readMeter = (...extra: string[]) =>
  runCli(gatewayCli, ["read", "--tcp", sim.address, "--unit", "4", "--profile", "sdm120", ...extra]);

describe("a meter without the serial-number register", () => {
  it("read prints every other quantity and says the serial number is not supported", async () => {
    const result = await readMeter();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/importEnergyWh\s+500\d{4} Wh/);
    expect(result.stdout).toMatch(/voltageV\s+230\.0 V/);
    expect(result.stdout).toMatch(
      /^serialNumber\s+not supported by this meter \(FC03 0xFC00 x2: exception 02 illegal data address\)$/m,
    );
  });

  it("read --json leaves the serial number out and lists it as missing", async () => {
    const result = await readMeter("--json");
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as {
      values: Record<string, number>;
      missing: Array<{ quantity: string; request: string; exception: number; message: string }>;
    };
    expect(out.values.serialNumber).toBeUndefined();
    expect(out.values.importEnergyWh).toBeGreaterThanOrEqual(5_000_000);
    expect(out.missing).toEqual([
      {
        quantity: "serialNumber",
        request: "FC03 0xFC00 x2",
        exception: 2,
        message: "FC03 0xFC00 x2: exception 02 illegal data address",
      },
    ]);
  });

  it("scan still recognises it as an SDM120", async () => {
    const result = await runCli(gatewayCli, [
      "scan",
      "--tcp",
      sim.address,
      "--units",
      "3-5",
      "--timeout",
      "300",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^4\s+sdm120\s+not supported\s+230\.0 V\s+500\d{4} Wh/m);
    expect(result.stdout).toMatch(/1 meter\(s\) found/);
  });

  it("doctor reads it as run does and says the serial number is not supported", async () => {
    const dir = await tempDir("doctor-missing-");
    try {
      const file = join(dir.path, "site.yaml");
      writeFileSync(
        file,
        `gateway: { id: gw, dataDir: ${join(dir.path, "data")} }
buses: [{ id: plant, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 300 }]
meters: [{ id: m4, bus: plant, unit: 4, profile: sdm120 }]
`,
      );
      const result = await runCli(gatewayCli, ["doctor", "-c", file], { timeoutMs: 30_000 });
      expect(result.stdout).toMatch(
        /\[ OK \] meter m4 .*: read as run reads it: import \d+\.\d+ kWh, .*serialNumber not supported by this meter \(FC03 0xFC00 x2: exception 02 illegal data address\)/,
      );
    } finally {
      await dir.remove();
    }
  });

  it("a required register answering an exception still fails the read, naming the request", async () => {
    lackRegisters(4, 0x0156, 2);
    try {
      const result = await readMeter();
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/FC04 0x0156 x2: exception 02 illegal data address/);
    } finally {
      lackRegisters(3, 0xfc00, 2);
    }
  });
});
