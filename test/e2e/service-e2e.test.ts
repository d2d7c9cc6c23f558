/**
 * End to end, as deployed: `meter-gateway run` (a child process) polls simulated prepaid meters over a
 * socat pty and talks to a real mosquitto. The platform side is an MQTT client and the reference
 * `meter-gateway command` tool.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { connect, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator } from "../../simulator/start.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";
import { createPtyPair, freePort, startMosquitto, tempDir, waitFor } from "../helpers/index.ts";
import { profiles } from "../helpers/bus-harness.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Message {
  topic: string;
  payload: Record<string, unknown>;
  retain: boolean;
}

describe("meter-gateway run with a pty bus and a real broker", () => {
  it(
    "publishes readings and billing, cuts on exhausted credit, restores after a signed top-up, stops cleanly",
    { timeout: 120_000 },
    async () => {
      const broker = await startMosquitto();
      cleanups.push(() => broker.stop());
      const pty = await createPtyPair();
      cleanups.push(() => pty.close());
      const sim = await startSimulator({
        endpoint: { kind: "serial", path: pty.a, baudRate: 19200 },
        meters: [1, 2].map((unit) => ({
          unit,
          profile: requireProfile(profiles, "generic-prepaid"),
          powerW: 3000,
          importEnergyWh: 2_000_000,
        })),
        speed: 20,
      });
      cleanups.push(() => sim.stop());
      const dir = await tempDir("e2e-");
      cleanups.push(() => dir.remove());
      const keyFile = join(dir.path, "command.key");
      writeFileSync(keyFile, "e2e-test-command-key-0123456789abcdef\n");
      const httpPort = await freePort();
      const config = join(dir.path, "config.yaml");
      writeFileSync(
        config,
        `gateway: { id: gw-e2e, dataDir: ${join(dir.path, "data")}, logLevel: warn, httpPort: ${httpPort} }
buses: [{ id: rs485, transport: rtu, path: ${pty.b}, baudRate: 19200, timeoutMs: 300, interFrameGapMs: 5 }]
meters:
  - { id: flat-1, bus: rs485, unit: 1, profile: generic-prepaid, account: a1, pollIntervalMs: 300, maxPowerW: 200000 }
  - { id: flat-2, bus: rs485, unit: 2, profile: generic-prepaid, account: a2, pollIntervalMs: 300, maxPowerW: 200000 }
accounts:
  - { id: a1, tariff: dear, balance: "0.20", alarm1: "0.10", alarm2: "0.05" }
  - { id: a2, tariff: dear, balance: "500.00" }
tariffs: [{ id: dear, kind: flat, price: "5.0000" }]
policy: { cutNoticeMs: 2000, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
mqtt: { url: "${broker.url}", commandKeyFile: ${keyFile} }
`,
      );
      const clientConfig = join(dir.path, "client.yaml");
      writeFileSync(clientConfig, `url: "${broker.url}"\ngatewayId: gw-e2e\ncommandKeyFile: ${keyFile}\n`);

      const messages: Message[] = [];
      const platform: MqttClient = connect(broker.url, { protocolVersion: 5 });
      cleanups.push(() => {
        platform.end(true);
      });
      platform.on("message", (topic, payload, packet) =>
        messages.push({
          topic,
          payload: JSON.parse(payload.toString()) as Record<string, unknown>,
          retain: packet.retain,
        }),
      );
      await new Promise<void>((resolve) =>
        platform.on("connect", () => platform.subscribe("mg/gw-e2e/#", { qos: 1 }, () => resolve())),
      );

      const child = spawn(process.execPath, ["--import", "tsx", gatewayCli, "run", "-c", config], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      cleanups.push(() => {
        child.kill("SIGKILL");
      });
      const on = (suffix: string) => messages.filter((m) => m.topic === `mg/gw-e2e/${suffix}`);
      const events = (type: string) =>
        on("events").filter((m) => (m.payload["body"] as { type: string }).type === type);

      await waitFor(() => on("status").some((m) => m.payload["state"] === "online"), {
        timeoutMs: 20_000,
        description: "online status",
      });
      const cut = await waitFor(() => sim.bus.writeLog.find((w) => w.unit === 1 && w.value === 0), {
        timeoutMs: 30_000,
        description: `the cut (gateway stderr: ${stderr})`,
      });
      expect(cut.fc).toBe(5);
      await waitFor(() => events("cut.done").length > 0, {
        timeoutMs: 10_000,
        description: "cut.done on the broker",
      });
      expect(events("cut.announced")).toHaveLength(1);

      const topup = await runCli(
        gatewayCli,
        [
          "command",
          "topup",
          "--config",
          clientConfig,
          "--account",
          "a1",
          "--amount-fen",
          "10000",
          "--purchase-seq",
          "1",
          "--payment-ref",
          "e2e-1",
          "--json",
        ],
        { timeoutMs: 30_000 },
      );
      expect(topup.code, topup.stderr).toBe(0);
      expect(JSON.parse(topup.stdout)).toMatchObject({
        status: "ok",
        result: { status: "applied", account: "a1", purchaseSeq: 1 },
      });
      await waitFor(() => sim.bus.writeLog.find((w) => w.unit === 1 && w.value === 1), {
        timeoutMs: 15_000,
        description: "the restore",
      });
      await waitFor(() => events("restore.done").length > 0, {
        timeoutMs: 10_000,
        description: "restore.done on the broker",
      });
      expect(sim.bus.writeLog.filter((w) => w.unit === 2)).toEqual([]);

      const readings = on("readings");
      expect(readings.length).toBeGreaterThan(0);
      const billing = on("billing").map((m) => m.payload);
      expect(billing.some((b) => (b["body"] as { kind: string }).kind === "charge")).toBe(true);
      expect(
        billing.some(
          (b) =>
            (b["body"] as { kind: string; status?: string }).kind === "topup" &&
            (b["body"] as { status: string }).status === "applied",
        ),
      ).toBe(true);
      for (const stream of ["readings", "billing", "events"]) {
        const seqs = on(stream).map((m) => m.payload["seq"] as number);
        const unique = [...new Set(seqs)].sort((a, b) => a - b);
        expect(unique, `${stream} seq has no gap`).toEqual(unique.map((_, i) => unique[0]! + i));
      }
      expect(on("meters/flat-1/state").length).toBeGreaterThan(0);
      const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      expect(metrics).toMatch(/meter_gateway_publish_latency_seconds\{quantile="0\.95"\} \d/);
      const health = (await (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).json()) as {
        reasons: string[];
      };
      expect(health.reasons.filter((r) => r.startsWith("broker"))).toEqual([]);

      child.kill("SIGTERM");
      const code = await new Promise((resolve) => child.once("exit", resolve));
      expect(code).toBe(0);
      await waitFor(() => on("status").at(-1)?.payload["state"] === "offline", {
        timeoutMs: 5_000,
        description: "offline status",
      });
      const db = new Database(join(dir.path, "data", "gateway.db"), { readonly: true });
      try {
        expect(db.prepare("PRAGMA integrity_check").pluck().get()).toBe("ok");
        expect(db.prepare("SELECT count(*) FROM readings").pluck().get()).toBeGreaterThan(0);
      } finally {
        db.close();
      }
    },
  );
});
