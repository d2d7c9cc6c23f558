/**
 * The technician's commands against hostile Modbus TCP peers (issue 10, defect 3): each prints one
 * plain line and exits 1 within the reply timeout plus the connect timeout, whatever the peer does.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostilePeer, type HostileBehaviour, type HostilePeer } from "../helpers/hostile-tcp.ts";
import { tempDir, type TempDir } from "../helpers/index.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

/** Node and tsx start-up on a loaded 2-core machine, on top of the transport's own bounds, ms. */
const startupMs = 6000;
/** The transport's default connect timeout and close bound, ms. */
const connectTimeoutMs = 3000;

const behaviours: HostileBehaviour[] = ["accept-close", "silent", "reset"];
const peers = new Map<HostileBehaviour, HostilePeer>();
let dir: TempDir;

beforeAll(async () => {
  for (const b of behaviours) peers.set(b, await startHostilePeer(b));
  dir = await tempDir("hostile-cli-");
});

afterAll(async () => {
  for (const peer of peers.values()) await peer.close();
  await dir?.remove();
});

async function timed(args: string[]) {
  const started = performance.now();
  const result = await runCli(gatewayCli, args, { timeoutMs: 30_000 });
  return { ...result, ms: performance.now() - started };
}

/** One line on stderr, no stack trace, nothing half-printed on stdout. */
function expectOnePlainLine(result: { stderr: string }, pattern: RegExp): void {
  const lines = result.stderr.trim().split("\n");
  expect(lines.at(-1)).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const expected: Record<HostileBehaviour, RegExp> = {
  // A request that races the peer's FIN meets its RST: either is a true account.
  "accept-close": /^error: tcp 127\.0\.0\.1:\d+: connection (closed|reset) by the peer/,
  // The request that went unanswered is named first (FC, address, count).
  silent: /^error: FC04 0x0000 x\d+: no reply from unit 1 within 300 ms on tcp 127\.0\.0\.1:\d+/,
  reset: /^error: tcp 127\.0\.0\.1:\d+: connection reset by the peer/,
};

const doctorCode: Record<HostileBehaviour, RegExp> = {
  "accept-close": /: CONNECTION_(CLOSED|RESET): tcp 127\.0\.0\.1:\d+: connection (closed|reset) by the peer/,
  silent: /: TIMEOUT: FC04 0x0000 x\d+: no reply from unit 1/,
  reset: /: CONNECTION_RESET: tcp 127\.0\.0\.1:\d+: connection reset by the peer/,
};

describe.each(behaviours)("against a peer that does %s", (behaviour) => {
  it("read prints one plain line and exits 1 within timeout + connect timeout", async () => {
    const peer = peers.get(behaviour)!;
    const result = await timed([
      "read",
      "--tcp",
      peer.address,
      "--unit",
      "1",
      "--profile",
      "sdm120",
      "--timeout",
      "300",
    ]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toBe("");
    expectOnePlainLine(result, expected[behaviour]);
    expect(result.ms).toBeLessThan(2 * 300 + connectTimeoutMs + startupMs);
  });

  it("scan says what happened to the connection and exits 1", async () => {
    const peer = peers.get(behaviour)!;
    const result = await timed(["scan", "--tcp", peer.address, "--units", "1-3", "--timeout", "200"]);
    if (behaviour === "silent") {
      // A peer that swallows requests looks like an empty bus: scan says so and succeeds.
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/no meter answered on units 1-3/);
    } else {
      expect(result.code, result.stderr).toBe(1);
      expectOnePlainLine(result, /^error: tcp 127\.0\.0\.1:\d+: connection (closed|reset) by the peer/);
    }
    expect(result.ms).toBeLessThan(3 * 200 + connectTimeoutMs + startupMs);
  });

  it("doctor fails the bus check in plain words and exits 1", async () => {
    const peer = peers.get(behaviour)!;
    const config = join(dir.path, `${behaviour}.yaml`);
    writeFileSync(
      config,
      [
        "gateway: { id: gw-1, dataDir: " + join(dir.path, `data-${behaviour}`) + " }",
        "buses:",
        `  - { id: hostile, transport: tcp, host: 127.0.0.1, port: ${peer.port}, timeoutMs: 300 }`,
        "meters:",
        "  - { id: m1, bus: hostile, unit: 1, profile: sdm120 }",
        "",
      ].join("\n"),
    );
    const result = await timed(["doctor", "-c", config]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(1);
    // doctor reads each meter as run would, so the failure is named on the meter, with its bus.
    expect(result.stdout).toMatch(
      /\[FAIL\] meter m1 \(bus hostile tcp 127\.0\.0\.1:\d+, unit 1, profile sdm120\): /,
    );
    expect(result.stdout).toMatch(doctorCode[behaviour]);
    expect(result.ms).toBeLessThan(300 + connectTimeoutMs + startupMs + 6000 /* broker check */);
  });
});
