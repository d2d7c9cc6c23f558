/**
 * The reference client, run as a technician would: it signs the command from the client config, sends
 * it through a real broker to a running gateway, waits for the response and prints it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testKeyText } from "../helpers/uplink/fixtures.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto, tempDir } from "../helpers/index.ts";
import { runCli } from "../helpers/run-cli.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { startGateway } from "../helpers/uplink/harness.ts";

const cli = fileURLToPath(new URL("../helpers/uplink/command-cli.ts", import.meta.url));
let broker: MosquittoBroker;
let gateway: GatewayUnderTest;
let dir: string;

function writeConfig(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

beforeAll(async () => {
  broker = await startMosquitto();
  gateway = await startGateway({ url: broker.url, polled: true });
  dir = (await tempDir("uplink-cli-")).path;
  writeFileSync(join(dir, "command.key"), `${testKeyText}\n`);
  writeConfig("client.yaml", [
    `url: ${broker.url}`,
    "gatewayId: gw-test",
    "commandKeyFile: command.key",
    "timeoutMs: 5000",
  ]);
}, 30_000);
afterAll(async () => {
  await gateway.stop();
  await broker.stop();
});

const run = (...args: string[]) => runCli(cli, ["command", ...args], { timeoutMs: 20_000 });

describe("meter-gateway command", () => {
  it("sends a signed top-up and prints the response; the same transaction again prints the original result, executed once", async () => {
    const args = [
      "topup",
      "--config",
      join(dir, "client.yaml"),
      "--account",
      "A-1",
      "--amount-fen",
      "2500",
      "--purchase-seq",
      "1",
      "--payment-ref",
      "PAY-1",
      "--transaction",
      "tx-cli-000001",
    ];
    const first = await run(...args);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("ok: topup (transaction tx-cli-000001)");
    expect(first.stdout).toContain('"balance": "125.00"');
    const again = await run(...args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already executed: the original result");
    expect(again.stdout).toContain('"balance": "125.00"');
    expect(gateway.store.accounts.get("A-1")?.balanceE7).toBe(125 * 1e7);
  });

  it("prints the raw response with --json", async () => {
    const result = await run(
      "relay",
      "-c",
      join(dir, "client.yaml"),
      "--meter",
      "M-2",
      "--action",
      "cut",
      "--reason",
      "test",
      "--json",
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: "ok",
      command: "relay",
      result: { meter: "M-2", state: "queued" },
    });
  });

  it("sets a tariff's next set with --effective-from, replaces it, and config.get shows it", async () => {
    const file = writeConfig("next.yaml", ["id: T-1", "kind: flat", 'price: "0.6000"']);
    const client = join(dir, "client.yaml");
    const first = new Date(Date.now() + 86_400_000).toISOString();
    const second = String(Date.now() + 2 * 86_400_000);
    const set = (from: string) =>
      run("tariff.set", "-c", client, "--file", file, "--effective-from", from, "--json");
    const once = await set(first);
    expect(JSON.parse(once.stdout)).toMatchObject({ status: "ok", result: { set: "next" } });
    const replaced = await set(second);
    expect(JSON.parse(replaced.stdout)).toMatchObject({
      status: "ok",
      result: { set: "next", effectiveFromMs: Number(second), replacedNextFromMs: Date.parse(first) },
    });
    const config = await run("config.get", "-c", client, "--json");
    expect(JSON.parse(config.stdout)).toMatchObject({
      result: {
        config: {
          tariffs: [{ id: "T-1", price: "0.5283" }],
          tariffNext: [{ tariff: "T-1", effectiveFromMs: Number(second), definition: { price: "0.6000" } }],
        },
      },
    });
    const bad = await run("tariff.set", "-c", client, "--file", file, "--effective-from", "soon");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--effective-from must be an ISO 8601 time or epoch ms");
  });

  it("names every bad field of the client config", async () => {
    const bad = writeConfig("bad.yaml", ["url: http://broker", "gatewayId: gw/test", "tls: { ca: x }"]);
    const result = await run("time.check", "--config", bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/url: .*mqtt:\/\//);
    expect(result.stderr).toContain("gatewayId:");
    expect(result.stderr).toContain("commandKeyFile:");
    expect(result.stderr).toMatch(/tls: .*ca/);
  });

  it("reports a usage mistake with exit 2 and a silent gateway with exit 1", async () => {
    const both = await run(
      "protect",
      "-c",
      join(dir, "client.yaml"),
      "--account",
      "A-1",
      "--on",
      "--off",
      "--reason",
      "x",
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("exactly one of --on and --off");
    const nobody = writeConfig("nobody.yaml", [
      `url: ${broker.url}`,
      "gatewayId: gw-absent",
      "commandKeyFile: command.key",
      "timeoutMs: 1000",
    ]);
    const silent = await run("time.check", "-c", nobody);
    expect(silent.code).toBe(1);
    expect(silent.stderr).toMatch(/no response to time.check .* within 1000 ms/);
  });
});
