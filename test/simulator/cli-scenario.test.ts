/**
 * `meter-sim --scenario` with several buses and profiles as a child process, driven by the
 * `meter-sim ctl` subcommands, and a clean stop on SIGTERM.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir, type TempDir } from "../helpers/index.ts";
import { runMeterSim, startMeterSim, type MeterSimProcess } from "../helpers/simulator.ts";

let dir: TempDir;

beforeAll(async () => {
  dir = await tempDir("meter-sim-scenario-");
});
afterAll(async () => {
  await dir.remove();
});

function scenarioFile(name: string, content: unknown): string {
  const file = join(dir.path, name);
  writeFileSync(file, stringify(content));
  return file;
}

describe("meter-sim --scenario with two buses, driven by meter-sim ctl", () => {
  let sim: MeterSimProcess;
  let url: string;
  const ctl = async (...args: string[]) => {
    const result = await runMeterSim(["ctl", "--url", url, ...args]);
    if (result.code !== 0) throw new Error(`ctl ${args.join(" ")}: ${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  beforeAll(async () => {
    const file = scenarioFile("two-buses.yaml", {
      clock: { start: "2026-01-05T00:00:00Z", seed: 9 },
      buses: [
        {
          name: "north",
          endpoint: { kind: "tcp", port: 0 },
          meters: [
            { units: "1-3", profile: "sdm120" },
            { units: 7, profile: "sdm630" },
          ],
        },
        {
          name: "south",
          endpoint: { kind: "pty" },
          meters: [{ units: "1-2", profile: "generic-prepaid", energyWh: 5000 }],
        },
      ],
      timeline: [{ at: "1h", bus: "south", units: 2, fault: { kind: "tamper" } }],
    });
    sim = await startMeterSim(["--scenario", file, "--control", "0", "--speed", "2"]);
    url = /control interface on (\S+)/.exec(sim.output())![1]!;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("prints what is served where, one line per bus", () => {
    const out = sim.output();
    expect(out).toMatch(
      /^meter-sim: bus north: 4 meter\(s\) \(sdm120 units 1-3, sdm630 units 7\), Modbus TCP on 127\.0\.0\.1:\d+$/m,
    );
    expect(out).toMatch(
      /^meter-sim: bus south: 2 meter\(s\) \(generic-prepaid units 1-2\), Modbus RTU on pty \S+ \(9600 8N1\)$/m,
    );
    expect(out).toMatch(/^meter-sim: gateway device for bus south: \S+$/m);
    expect(out).toMatch(
      /^meter-sim: simulated time 2026-01-05T00:00:\d\d\.\d+Z, speed 2x, seed 9; Ctrl-C stops$/m,
    );
  });

  it("status lists both buses", async () => {
    const status = (await ctl("status")) as { buses: Array<{ name: string; units: number[] }> };
    expect(status.buses.map((b) => [b.name, b.units])).toEqual([
      ["north", [1, 2, 3, 7]],
      ["south", [1, 2]],
    ]);
  });

  it("a unit on both buses needs --bus", async () => {
    const result = await runMeterSim(["ctl", "--url", url, "meters", "1"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      "meter-sim: error: AMBIGUOUS_UNIT: unit 1 is on buses north, south: name the bus",
    );
    expect(((await ctl("meters", "1", "--bus", "south")) as { profile: string }).profile).toBe(
      "generic-prepaid",
    );
  });

  it("fault, clear, relay, load, advance, speed, events and writes", async () => {
    const injected = (await ctl(
      "fault",
      "2",
      "delay",
      "--bus",
      "north",
      "--delay-ms",
      "250",
      "--probability",
      "0.5",
      "--for",
      "10m",
    )) as {
      fault: { spec: Record<string, unknown>; untilMs: number; sinceMs: number };
    };
    expect(injected.fault.spec).toEqual({ kind: "delay", delayMs: 250, probability: 0.5, for: 600_000 });
    expect(injected.fault.untilMs - injected.fault.sinceMs).toBe(600_000);
    expect(await ctl("clear", "2", "delay", "--bus", "north")).toEqual({ cleared: ["delay"] });
    expect(((await ctl("relay", "1", "open", "--bus", "south")) as { relay: string }).relay).toBe("open");
    expect(((await ctl("load", "7", "4500")) as { loadW: number }).loadW).toBe(4500);
    expect(((await ctl("advance", "1h")) as { elapsedMs: number }).elapsedMs).toBeGreaterThanOrEqual(
      3_600_000,
    );
    expect(((await ctl("speed", "10")) as { speed: number }).speed).toBe(10);
    const meter = (await ctl("meters", "2", "--bus", "south")) as { coverOpen: boolean };
    expect(meter.coverOpen).toBe(true);
    const events = (await ctl("events", "--bus", "south")) as {
      events: Array<{ kind: string; source: string }>;
    };
    expect(events.events.map((e) => [e.kind, e.source])).toEqual([
      ["relay-changed", "control"],
      ["fault-injected", "timeline"],
      ["tamper-opened", "timeline"],
    ]);
    expect(await ctl("writes")).toEqual({ writes: [] });
  });

  it("a bad fault option comes back from the simulator as one line naming the field", async () => {
    const result = await runMeterSim([
      "ctl",
      "--url",
      url,
      "fault",
      "3",
      "truncated",
      "--bus",
      "north",
      "--keep-bytes",
      "0",
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^meter-sim: error: INVALID_BODY: body\.keepBytes: /);
  });

  it("stops cleanly on SIGTERM", async () => {
    expect(await sim.stop()).toBe(0);
    expect(sim.output()).toMatch(/meter-sim: SIGTERM, stopping\n$/);
  });
});
