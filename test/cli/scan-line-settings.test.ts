/**
 * `scan --baud LIST --parity LIST` over a real socat pty, against a simulated meter that answers only
 * at its own baud rate. A pty carries no signal, so the simulator reads the speed the gateway set on its
 * end of the pty (`masterPty`, simulator/servers/pty-line.ts) and ignores requests sent at another one,
 * as a real meter hears only noise. Linux ptys cannot carry parity (the kernel forces 8N1), so here the
 * meter is 8N1 and none is tried first at each rate; which parity wins is tested on a scripted line in
 * gateway/cli/scan-sweep.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { createPtyPair, type PtyPair } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

let pty: PtyPair;
let simulator: RunningSimulator;

beforeAll(async () => {
  pty = await createPtyPair();
  simulator = await startSimulator({
    endpoint: { kind: "serial", path: pty.a, baudRate: 4800, parity: "none", masterPty: pty.b },
    meters: [{ unit: 3, profile: requireProfile(loadProfiles(), "sdm120"), importEnergyWh: 1_000_000 }],
  });
});

afterAll(async () => {
  await simulator?.stop();
  await pty?.close();
});

const scan = (baud: string, parity: string, ...more: string[]) =>
  runCli(
    gatewayCli,
    // Generous for a loaded machine (the strict-baud simulator runs stty per request); a technician's default is 200 ms.
    [
      "scan",
      "--serial",
      pty.b,
      "--baud",
      baud,
      "--parity",
      parity,
      "--units",
      "1-4",
      "--timeout",
      "1000",
      ...more,
    ],
    { timeoutMs: 60_000 },
  );

describe("meter-gateway scan at several line settings", { timeout: 90_000 }, () => {
  it("tries every combination and reports the settings the meter answered on (--json)", async () => {
    const result = await scan("2400,4800,9600", "none,even", "--json");
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as {
      tried: string[];
      found: Array<{ unit: number; profile: string; line: unknown }>;
    };
    expect(out.tried).toEqual(["2400 8N1", "2400 8E1", "4800 8N1", "4800 8E1", "9600 8N1", "9600 8E1"]);
    expect(out.found.map((f) => [f.unit, f.profile, f.line])).toEqual([
      [3, "sdm120", { baudRate: 4800, parity: "none", dataBits: 8, stopBits: 1 }],
    ]);
    // 6 settings x 4 units x (1000 ms + 5 ms gap) when nothing answers.
    expect(result.stderr).toContain(
      `scanning ${pty.b} at 6 line settings (2400 8N1, 2400 8E1, 4800 8N1, 4800 8E1, 9600 8N1, 9600 8E1), ` +
        "units 1-4, 1000 ms per probe: about 25 s if nothing answers",
    );
  });

  it("shows the settings in the table and each setting as it is tried", async () => {
    const result = await scan("9600,4800", "none");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^unit\s+line\s+profile\s+serial/m);
    expect(result.stdout).toMatch(/^3\s+4800 8N1\s+sdm120\s+10000003\s/m);
    expect(result.stdout).toMatch(/1 meter\(s\) found/);
    expect(result.stderr.split("\n").filter((line) => line.startsWith("  "))).toEqual([
      "  trying 9600 8N1 (1/2)",
      "  trying 4800 8N1 (2/2)",
      "  unit 3 answered on 4800 8N1",
    ]);
  });

  it("finds nothing when the meter's rate is not among those tried, and names them", async () => {
    const result = await scan("2400,9600", "none");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^no meter answered on units 1-4 at 2400 8N1, 9600 8N1\. Check wiring/);
  });

  it("refuses lists with a TCP endpoint", async () => {
    const result = await runCli(gatewayCli, ["scan", "--tcp", "127.0.0.1:1", "--baud", "2400,9600"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/lists of --baud or --parity apply to --serial only/);
  });
});
