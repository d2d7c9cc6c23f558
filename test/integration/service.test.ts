/**
 * The service as a technician meets it: `meter-gateway run` as a child process against simulated
 * meters, then `topup`, `status`, /healthz and /metrics through the local API.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator } from "../../simulator/start.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";
import { freePort, tempDir, waitFor } from "../helpers/index.ts";
import { profiles } from "../helpers/bus-harness.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the running service's local API", () => {
  // A simulator, a real `meter-gateway run` child and its local API, stopped with SIGTERM: 11 s alone,
  // but over 30 s on a machine loaded by parallel suites, so it gets 60 s.
  it(
    "takes a local top-up exactly once, reports status, health and metrics",
    { timeout: 60_000 },
    async () => {
      const sim = await startSimulator({
        endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
        meters: [1, 2].map((unit) => ({
          unit,
          profile: requireProfile(profiles, "generic-prepaid"),
          powerW: 1500,
        })),
      });
      cleanups.push(() => sim.stop());
      const dir = await tempDir("service-");
      cleanups.push(() => dir.remove());
      const httpPort = await freePort();
      const deadBrokerPort = await freePort();
      const config = join(dir.path, "config.yaml");
      writeFileSync(
        config,
        `gateway: { id: gw-svc, dataDir: ${join(dir.path, "data")}, httpPort: ${httpPort}, logLevel: warn }
buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 200 }]
meters:
  - { id: m1, bus: tcp, unit: 1, profile: generic-prepaid, account: a1, pollIntervalMs: 200 }
  - { id: dead, bus: tcp, unit: 9, profile: generic-prepaid, pollIntervalMs: 200 }
accounts: [{ id: a1, tariff: flat, balance: "50.00" }]
tariffs: [{ id: flat, kind: flat, price: "0.5283" }]
mqtt: { url: "mqtt://127.0.0.1:${deadBrokerPort}" }
`,
      );
      const child = spawn(process.execPath, ["--import", "tsx", gatewayCli, "run", "-c", config], {
        stdio: "ignore",
      });
      cleanups.push(() => {
        child.kill("SIGKILL");
      });
      const base = `http://127.0.0.1:${httpPort}`;
      await waitFor(async () => (await fetch(`${base}/status`)).ok, {
        timeoutMs: 15_000,
        description: "the local API",
      });
      await waitFor(
        async () =>
          (
            (await (await fetch(`${base}/status`)).json()) as { meters: Array<{ id: string; state: string }> }
          ).meters.find((m) => m.id === "dead")?.state === "offline",
        { timeoutMs: 15_000 },
      );

      const topup = (seq: number) =>
        runCli(gatewayCli, [
          "topup",
          "-c",
          config,
          "--account",
          "a1",
          "--amount-fen",
          "1000",
          "--seq",
          `${seq}`,
          "--ref",
          `r-${seq}`,
        ]);
      const applied = await topup(1);
      expect(applied.code).toBe(0);
      expect(applied.stdout).toMatch(/top-up 1 for a1: applied; balance \d+\.\d\d yuan$/m);
      const again = await topup(1);
      expect(again.stdout).toMatch(/already applied earlier \(nothing credited\)/);
      const gap = await topup(3);
      expect(gap.code).toBe(1);
      expect(gap.stderr).toMatch(/TOPUP_GAP.*purchase 2 is missing/);

      const status = await runCli(gatewayCli, ["status", "-c", config]);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/health: degraded/);
      expect(status.stdout).toMatch(/meters offline: dead/);
      expect(status.stdout).toMatch(/broker unreachable/);
      expect(status.stdout).toMatch(/^m1\s+tcp\/1\s+online\s.*\sa1\s+5\d\.\d\d yuan\s+closed\s+no\s+1$/m);
      expect(status.stdout).toMatch(/^dead: last error: .*no reply from unit/m);

      const health = await fetch(`${base}/healthz`);
      expect(health.status).toBe(503);
      const { status: healthStatus, reasons } = (await health.json()) as {
        status: string;
        reasons: string[];
      };
      expect(healthStatus).toBe("degraded");
      // Whether NTP is synchronised depends on the machine; the two problems this site has are named.
      expect(reasons.filter((r) => !r.startsWith("clock not synchronised"))).toEqual([
        "meters offline: dead",
        `broker unreachable: mqtt://127.0.0.1:${deadBrokerPort} (records wait in the outbox)`,
      ]);

      // A second instance on the same data directory refuses to start.
      const second = await runCli(gatewayCli, ["run", "-c", config]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/another gateway \(pid \d+\) is running on .*data/);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/meter_gateway_polls_total\{meter="m1",outcome="ok"\} [1-9]/);
      expect(metrics).toMatch(/meter_gateway_poll_errors_total\{meter="dead",code="TIMEOUT"\} [1-9]/);
      expect(metrics).toMatch(/meter_gateway_meter_online\{meter="dead"\} 0/);
      expect(metrics).toMatch(/meter_gateway_outbox_backlog\{stream="billing"\} [1-9]/);

      child.kill("SIGTERM");
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code).toBe(0);
    },
  );
});
