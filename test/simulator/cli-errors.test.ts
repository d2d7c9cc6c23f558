/** `meter-sim` as a user runs it, getting things wrong: one clear line on stderr and exit code 1 each time. */
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, tempDir, type TempDir } from "../helpers/index.ts";
import { runMeterSim } from "../helpers/simulator.ts";

let dir: TempDir;
let busy: Server;
let busyPort: number;
/** A port nothing listens on. */
let idlePort: number;

beforeAll(async () => {
  dir = await tempDir("meter-sim-cli-");
  busyPort = await freePort();
  idlePort = await freePort();
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(busyPort, "127.0.0.1", () => resolve()));
});
afterAll(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
  await dir.remove();
});

function scenarioFile(name: string, content: unknown): string {
  const file = join(dir.path, name);
  writeFileSync(file, typeof content === "string" ? content : stringify(content));
  return file;
}

describe("meter-sim errors: one line, exit code 1", () => {
  it.each([
    [
      "an unknown profile",
      () => ["--modbus-tcp", "127.0.0.1:0", "--profile", "sdm999"],
      /^meter-sim: error: --profile: unknown profile 'sdm999' \(known: .*sdm120.*\)$/,
    ],
    [
      "a port in use",
      () => ["--modbus-tcp", `127.0.0.1:${busyPort}`],
      /^meter-sim: error: TCP 127\.0\.0\.1:\d+ is already in use$/,
    ],
    [
      "a control port in use",
      () => ["--modbus-tcp", "127.0.0.1:0", "--control", String(busyPort)],
      /control port 127\.0\.0\.1:\d+ is already in use/,
    ],
    [
      "no such serial device",
      () => ["--serial", "/dev/ttyNOPE9"],
      /^meter-sim: error: serial device \/dev\/ttyNOPE9 does not exist$/,
    ],
    [
      "a bad unit list",
      () => ["--pty", "--units", "1-300"],
      /^meter-sim: error: --units: '1-300': unit ids are 1\.\.247$/,
    ],
    ["no endpoint", () => [], /say where to serve: --modbus-tcp/],
    [
      "two endpoints",
      () => ["--pty", "--modbus-tcp", "127.0.0.1:0"],
      /give one endpoint, not --modbus-tcp and --pty/,
    ],
    ["a bad host:port", () => ["--modbus-tcp", "5020"], /--modbus-tcp wants HOST:PORT/],
    [
      "a bad speed",
      () => ["--modbus-tcp", "127.0.0.1:0", "--speed", "fast"],
      /--speed must be a number from 0\.001 to 1000000/,
    ],
    [
      "line timing on Modbus TCP",
      () => ["--modbus-tcp", "127.0.0.1:0", "--line-timing"],
      /--line-timing models a serial line/,
    ],
    ["an unknown option", () => ["--modbus-tcp", "127.0.0.1:0", "--colour"], /unknown option '--colour'/],
    [
      "a missing scenario",
      () => ["--scenario", join(dir.path, "absent.yaml")],
      /scenario .*absent\.yaml does not exist/,
    ],
    [
      "an invalid scenario, naming the path",
      () => [
        "--scenario",
        scenarioFile("bad.yaml", {
          buses: [
            {
              name: "a",
              endpoint: { kind: "tcp", port: 0 },
              meters: [{ units: "1", profile: "sdm120", load: { kind: "daily" } }],
            },
          ],
        }),
      ],
      /bad\.yaml: buses\[0\]\.meters\[0\]\.load\.hourlyW/,
    ],
    [
      "endpoint flags beside a scenario",
      () => ["--scenario", "x.yaml", "--pty"],
      /--pty cannot be combined with --scenario/,
    ],
    [
      "ctl without a simulator",
      () => ["ctl", "--url", `http://127.0.0.1:${idlePort}`, "status"],
      /cannot reach the simulator's control interface .*ECONNREFUSED/,
    ],
  ])("%s", async (_what, args, message) => {
    const result = await runMeterSim(args());
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(message);
    // Commander adds a hint after its own usage errors; ours are a single line.
    expect(lines.length).toBeLessThanOrEqual(2);
  });
});
