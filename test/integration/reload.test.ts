/** SIGHUP: what can change is applied in place, what cannot is named, a broken file changes nothing. */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator } from "../../simulator/start.ts";
import { gatewayCli } from "../helpers/run-cli.ts";
import { freePort, tempDir, waitFor } from "../helpers/index.ts";
import { profiles } from "../helpers/bus-harness.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("SIGHUP reload", () => {
  it("adds a meter and applies an edited account without a restart, and names what needs one", async () => {
    const sim = await startSimulator({
      endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
      meters: [1, 2].map((unit) => ({ unit, profile: requireProfile(profiles, "generic-prepaid") })),
    });
    cleanups.push(() => sim.stop());
    const dir = await tempDir("reload-");
    cleanups.push(() => dir.remove());
    const port = await freePort();
    const config = join(dir.path, "config.yaml");
    const text = (
      extraMeter: string,
      alarm1: string,
      level: string,
    ) => `gateway: { id: gw, dataDir: ${join(dir.path, "data")}, httpPort: ${port}, logLevel: ${level} }
buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 200 }]
meters:
  - { id: m1, bus: tcp, unit: 1, profile: generic-prepaid, account: a1, pollIntervalMs: 200 }
${extraMeter}
accounts: [{ id: a1, tariff: flat, balance: "50.00", alarm1: "${alarm1}" }]
tariffs: [{ id: flat, kind: flat, price: "0.5283" }]
`;
    writeFileSync(config, text("", "50.00", "warn"));
    const child = spawn(process.execPath, ["--import", "tsx", gatewayCli, "run", "-c", config], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The service's log: the refused reload below is awaited by its log line, not by a pause.
    let log = "";
    child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    cleanups.push(() => {
      child.kill("SIGKILL");
    });
    const meters = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
          meters: Array<{ id: string; state: string }>;
        }
      ).meters;
    await waitFor(async () => (await meters()).some((m) => m.state === "online"), { timeoutMs: 15_000 });

    writeFileSync(
      config,
      text(
        "  - { id: m2, bus: tcp, unit: 2, profile: generic-prepaid, pollIntervalMs: 200 }",
        "60.00",
        "info",
      ),
    );
    child.kill("SIGHUP");
    await waitFor(async () => (await meters()).find((m) => m.id === "m2")?.state === "online", {
      timeoutMs: 15_000,
      description: "the added meter online",
    });
    const db = new Database(join(dir.path, "data", "gateway.db"), { readonly: true });
    cleanups.push(() => {
      db.close();
    });
    const reloaded = db
      .prepare("SELECT payload_json FROM events WHERE type = 'config.reloaded'")
      .pluck()
      .all() as string[];
    expect(reloaded).toHaveLength(1);
    expect(JSON.parse(reloaded[0]!)).toMatchObject({
      data: { applied: ["meters", "accounts"], needsRestart: ["gateway.logLevel"] },
    });
    expect(db.prepare("SELECT alarm1_e7 FROM accounts WHERE id = 'a1'").pluck().get()).toBe(600_000_000);

    // A broken file is refused; the service keeps running on the config it has.
    writeFileSync(config, readFileSync(config, "utf8").replace("unit: 2", "unit: 999"));
    child.kill("SIGHUP");
    await waitFor(() => log.includes("config reload refused"), {
      timeoutMs: 15_000,
      description: "the reload refused",
    });
    expect(child.exitCode).toBeNull();
    expect((await meters()).map((m) => m.id)).toEqual(["m1", "m2"]);
    expect(db.prepare("SELECT count(*) FROM events WHERE type = 'config.reloaded'").pluck().get()).toBe(1);
  });
});
