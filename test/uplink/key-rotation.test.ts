/**
 * Command keys rotated on a running `meter-gateway run` (docs/provisioning.md, "Rotating keys"): two
 * keys during the overlap window, each named by `kid`; keys re-read on a real SIGHUP; the old key retired
 * by its `notAfter`; a key file that cannot be used on reload changes nothing and says so on `events`.
 * Real mosquitto, real SQLite file, the service as a child process.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import { Platform } from "../helpers/platform.ts";
import type { ServiceUnderTest } from "../helpers/service.ts";
import { startService } from "../helpers/service.ts";
import { signedRequest, testGatewayId } from "../helpers/uplink/fixtures.ts";
import { gatewayCli, runCli } from "../helpers/run-cli.ts";

const oldKey = Buffer.from("old-command-key-2026-11-0123456789");
const newKey = Buffer.from("new-command-key-2026-12-0123456789");

let broker: MosquittoBroker;
let platform: Platform;
let service: ServiceUnderTest;
let keyDir: string;

/** The config with the given `mqtt.commandKeys` entries (YAML flow mappings). */
function configText(parts: { dataDir: string; httpPort: number }, keys: string[]): string {
  return [
    `gateway: { id: ${testGatewayId}, dataDir: ${parts.dataDir}, httpPort: ${parts.httpPort} }`,
    "buses: [{ id: b1, transport: tcp, host: 127.0.0.1, port: 1 }]",
    "meters: [{ id: m1, bus: b1, unit: 1, profile: sdm120 }]",
    "mqtt:",
    `  url: ${broker.url}`,
    "  statusIntervalSec: 5",
    "  commandKeys:",
    ...keys.map((key) => `    - ${key}`),
    "",
  ].join("\n");
}

/** Rewrites the config and sends SIGHUP, as `systemctl reload` does. */
function reloadWith(keys: string[]): void {
  const dataDir = service.dataDir;
  writeFileSync(service.configFile, configText({ dataDir, httpPort: service.httpPort }, keys));
  service.process.child.kill("SIGHUP");
}

/** `time.check` signed with `key` (and `kid` when given), answered by the gateway. */
async function timeCheck(key: Buffer, kid?: string) {
  const request = signedRequest("time.check", {}, { nowMs: Date.now(), key, ...(kid ? { kid } : {}) });
  return platform.request("time.check", request);
}

/** Events of `type` received on the events stream, newest last. */
function eventsOf(type: string): Array<Record<string, unknown>> {
  return platform
    .on("events")
    .map((m) => m.payload["body"] as Record<string, unknown>)
    .filter((body) => body["type"] === type);
}

beforeAll(async () => {
  broker = await startMosquitto();
  platform = await Platform.connect(broker.url);
  service = await startService({
    config: (parts) => {
      keyDir = parts.dir;
      writeFileSync(join(parts.dir, "command-2026-11.key"), `${oldKey.toString()}\n`, { mode: 0o600 });
      return configText(parts, [`{ id: "2026-11", file: command-2026-11.key }`]);
    },
  });
  await platform.until(() => platform.on("status").length > 0, "the gateway's status", 20_000);
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await platform?.close();
  await broker?.stop();
});

describe("command keys with ids, rotated on SIGHUP", () => {
  it("runs a rotation end to end: one key, overlap, retirement, and a bad key file kept out", async () => {
    // One key: a request without kid still works (the single-key rule), and so does one naming it.
    expect(await timeCheck(oldKey)).toMatchObject({ status: "ok" });
    expect(await timeCheck(oldKey, "2026-11")).toMatchObject({ status: "ok" });

    // Overlap: the new key is installed beside the old one and put in force by SIGHUP.
    writeFileSync(join(keyDir, "command-2026-12.key"), `${newKey.toString()}\n`, { mode: 0o600 });
    reloadWith([
      `{ id: "2026-11", file: command-2026-11.key }`,
      `{ id: "2026-12", file: command-2026-12.key }`,
    ]);
    await platform.until(() => eventsOf("keys.reloaded").length === 1, "keys.reloaded", 20_000);
    expect(eventsOf("keys.reloaded")[0]).toMatchObject({
      data: { commandKeys: ["2026-11", "2026-12"], uplinkKey: null },
    });
    expect(await timeCheck(newKey, "2026-12")).toMatchObject({ status: "ok" });
    expect(await timeCheck(oldKey, "2026-11")).toMatchObject({ status: "ok" });
    expect(await timeCheck(newKey)).toMatchObject({
      status: "error",
      code: "KEY_ID_REQUIRED",
      details: { keyIds: ["2026-11", "2026-12"] },
    });
    expect(await timeCheck(newKey, "2027-01")).toMatchObject({
      status: "error",
      code: "UNKNOWN_KEY",
      details: { kid: "2027-01", keyIds: ["2026-11", "2026-12"] },
    });
    // The reference client names its key by commandKeyId in its config.
    const clientConfig = join(keyDir, "client.yaml");
    writeFileSync(
      clientConfig,
      `url: ${broker.url}\ngatewayId: ${testGatewayId}\ncommandKeyFile: command-2026-12.key\ncommandKeyId: "2026-12"\n`,
    );
    const client = await runCli(gatewayCli, ["command", "time.check", "-c", clientConfig, "--json"]);
    expect(client.code, client.stderr).toBe(0);
    expect(JSON.parse(client.stdout)).toMatchObject({ status: "ok", command: "time.check" });
    await platform.until(
      () => platform.on("status").some((m) => JSON.stringify(m.payload["keys"]).includes("2026-12")),
      "the retained status listing both key ids",
      20_000,
    );

    // Retirement: the old key's notAfter has passed.
    const past = new Date(Date.now() - 60_000).toISOString();
    reloadWith([
      `{ id: "2026-11", file: command-2026-11.key, notAfter: "${past}" }`,
      `{ id: "2026-12", file: command-2026-12.key }`,
    ]);
    await platform.until(() => eventsOf("keys.reloaded").length === 2, "second keys.reloaded", 20_000);
    expect(await timeCheck(oldKey, "2026-11")).toMatchObject({
      status: "error",
      code: "KEY_EXPIRED",
      details: { kid: "2026-11", notAfterMs: Date.parse(past) },
    });
    expect(await timeCheck(newKey, "2026-12")).toMatchObject({ status: "ok" });

    // A reload naming a key file that is missing, and one whose key is too short: refused, event raised,
    // the keys in force unchanged.
    writeFileSync(join(keyDir, "short.key"), "short\n");
    reloadWith([
      `{ id: "2026-12", file: command-2026-12.key }`,
      `{ id: "2027-01", file: command-2027-01.key }`,
      `{ id: "2027-02", file: short.key }`,
    ]);
    await platform.until(
      () => eventsOf("config.reload-refused").length === 1,
      "config.reload-refused",
      20_000,
    );
    const refused = eventsOf("config.reload-refused")[0]!;
    expect(refused["severity"]).toBe("warning");
    expect(String(refused["message"])).toMatch(
      /^config reload refused, the running config and keys stay in force: .*mqtt\.commandKeys\[1\]\.file: cannot read the command key file .*command-2027-01\.key: it does not exist/,
    );
    expect(String(refused["message"])).toMatch(
      /mqtt\.commandKeys\[2\]\.file: .*short\.key: command key is 5 characters; at least 32 are required/,
    );
    expect(String(refused["message"])).not.toContain("short\n");
    expect(await timeCheck(newKey, "2026-12")).toMatchObject({ status: "ok" });
    expect(await timeCheck(oldKey, "2026-11")).toMatchObject({ code: "KEY_EXPIRED" });
    expect(eventsOf("keys.reloaded")).toHaveLength(2);
    expect(service.process.hasExited()).toBe(false);

    // The same events are in the gateway's own event log (the SQLite file).
    const db = new Database(service.dbFile, { readonly: true });
    try {
      const types = db
        .prepare(
          "SELECT type FROM events WHERE type IN ('keys.reloaded', 'config.reload-refused') ORDER BY id",
        )
        .pluck()
        .all();
      expect(types).toEqual(["keys.reloaded", "keys.reloaded", "config.reload-refused"]);
    } finally {
      db.close();
    }
  }, 120_000);
});
