/**
 * The demo a newcomer runs with `npm start` (on Modbus meters, or DL/T 645 ones with `--protocol dlt645`):
 * started as a child, watched over MQTT (its embedded broker) through a cut and a restore after a signed
 * top-up, then stopped with Ctrl-C.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { connect, type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";
import { freePort, tempDir, waitFor } from "../helpers/index.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Each meter protocol the demo simulates: the flags that choose it and how the banner names it. */
const protocols = [
  { protocol: "modbus", flags: [], bus: /prepaid meters on Modbus TCP 127\.0\.0\.1:\d+,/ },
  {
    protocol: "dlt645",
    flags: ["--protocol", "dlt645"],
    bus: /prepaid meters on DL\/T 645-2007 \(through a transparent TCP converter\) 127\.0\.0\.1:\d+,/,
  },
];

describe("the demo (npm start)", () => {
  it.each(protocols)(
    "on $protocol meters: visibly cuts the nearly empty account, restores it after a top-up, and stops cleanly",
    { timeout: 120_000 },
    async ({ flags, bus }) => {
      const dir = await tempDir("demo-");
      cleanups.push(() => dir.remove());
      const [httpPort, mqttPort] = [await freePort(), await freePort()];
      const demo = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          gatewayCli,
          "demo",
          ...flags,
          "--speed",
          "240",
          "--http-port",
          String(httpPort),
          "--mqtt-port",
          String(mqttPort),
          "--data-dir",
          dir.path,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      demo.stdout.on("data", (d: Buffer) => (out += d.toString()));
      demo.stderr.on("data", (d: Buffer) => (out += d.toString()));
      cleanups.push(() => {
        demo.kill("SIGKILL");
      });
      await waitFor(() => out.includes("Ctrl-C stops everything"), {
        timeoutMs: 20_000,
        description: `the demo banner (${out})`,
      });
      expect(out).toMatch(bus);
      expect(out).toMatch(/meter-gateway command topup --config \S+platform-client\.yaml --account flat-2/);
      expect(out).toMatch(/-t 'mg\/demo-gw\/#'/);

      const events: Array<{ type: string; meterId?: string }> = [];
      const statuses: string[] = [];
      const versions: string[] = [];
      const client: MqttClient = connect(`mqtt://127.0.0.1:${mqttPort}`, { protocolVersion: 4 });
      cleanups.push(() => {
        client.end(true);
      });
      client.on("message", (topic, payload) => {
        const message = JSON.parse(payload.toString()) as {
          body?: { type: string; meterId?: string };
          state?: string;
          version?: string;
        };
        if (topic === "mg/demo-gw/events" && message.body !== undefined) events.push(message.body);
        if (topic === "mg/demo-gw/status" && message.state !== undefined) statuses.push(message.state);
        if (topic === "mg/demo-gw/status" && message.version !== undefined) versions.push(message.version);
      });
      await new Promise<void>((resolve) =>
        client.on("connect", () => client.subscribe("mg/demo-gw/#", { qos: 1 }, () => resolve())),
      );

      const has = (type: string, meterId: string) =>
        events.some((e) => e.type === type && e.meterId === meterId);
      await waitFor(() => has("cut.done", "flat-2"), {
        timeoutMs: 60_000,
        description: `cut.done on flat-2 (demo output: ${out})`,
      });
      expect(has("cut.announced", "flat-2")).toBe(true);
      expect(events.some((e) => e.type === "alarm.raised" && e.meterId === undefined)).toBe(true);
      expect(events.filter((e) => e.type === "cut.done" && e.meterId === "clinic")).toEqual([]);

      const topup = await runCli(
        gatewayCli,
        [
          "command",
          "topup",
          "--config",
          join(dir.path, "platform-client.yaml"),
          "--account",
          "flat-2",
          "--amount-fen",
          "2000",
          "--purchase-seq",
          "1",
          "--payment-ref",
          "demo-1",
        ],
        { timeoutMs: 30_000 },
      );
      expect(topup.code, topup.stdout + topup.stderr).toBe(0);
      await waitFor(() => has("restore.done", "flat-2"), {
        timeoutMs: 30_000,
        description: "restore.done on flat-2",
      });
      // The commentary tails the audit log every 250 ms: it may trail the MQTT event a little.
      await waitFor(() => /flat-2\s+restore\.done/.test(out), {
        timeoutMs: 5_000,
        description: "the restore in the commentary",
      });
      expect(out).toMatch(/flat-2\s+cut\.done/);
      // The relay followed every command: a reading taken before a write is not a read-back of it.
      expect(events.filter((e) => e.type.startsWith("relay."))).toEqual([]);
      expect(out).not.toMatch(/relay\.mismatch/);

      demo.kill("SIGINT");
      const code = await new Promise((resolve) => demo.once("exit", resolve));
      expect(code).toBe(0);
      expect(statuses).toContain("online");
      // The retained status names the software that runs, not a placeholder.
      expect(new Set(versions)).toEqual(new Set([packageVersion]));
      // Money shown to people: yuan with two decimals and the unit, in the balances and in the events.
      expect(out).toMatch(/balances: clinic -?\d+\.\d\d yuan, flat-1 \d+\.\d\d yuan,/);
      expect(out).toMatch(
        /cut\.announced\s+supply will be cut at \S+ unless topped up \(balance -\d+\.\d\d yuan\)/,
      );
      expect(out).not.toMatch(/\d\.\d{3,} yuan|balance -?\d+\.\d{3,}/);
      // The first contact with a meter is not "again".
      expect(out).toMatch(/flat-1\s+meter\.online\s+meter flat-1 answers$/m);
    },
  );

  it("says in one line which option to use when its MQTT port is taken, and exits", async () => {
    const dir = await tempDir("demo-busy-");
    cleanups.push(() => dir.remove());
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => busy.close(() => resolve())));
    const port = (busy.address() as { port: number }).port;
    const result = await runCli(
      gatewayCli,
      ["demo", "--mqtt-port", String(port), "--http-port", String(await freePort()), "--data-dir", dir.path],
      { timeoutMs: 20_000 },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: port ${port} is in use (another demo still running?): choose a free one, e.g. npm start -- --mqtt-port ${port + 1}\n`,
    );
  });
});

const packageVersion = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
