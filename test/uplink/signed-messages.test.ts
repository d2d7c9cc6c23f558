/**
 * Every message the gateway publishes verifies as docs/mqtt.md 6.2.2 says, with a verifier written from
 * the docs (it does not import the gateway's code): the signed bytes are the payload before the last
 * `,"sig":"`, the signature is HMAC-SHA256 under the uplink key the message's `kid` names. Readings,
 * billing, events, responses, the retained status and meter states; then the uplink key is rotated by a
 * real SIGHUP while the broker is down, and the backlog published afterwards (historical) verifies under
 * the new key id it carries. Real mosquitto, the simulator on TCP, `meter-gateway run` as a child.
 */
import { createHmac } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { startSimulator, type RunningSimulator } from "../../simulator/start.ts";
import { profiles } from "../helpers/bus-harness.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto } from "../helpers/index.ts";
import type { Received } from "../helpers/platform.ts";
import { Platform } from "../helpers/platform.ts";
import type { ServiceUnderTest } from "../helpers/service.ts";
import { startService } from "../helpers/service.ts";
import { signedRequest, testGatewayId, testKey } from "../helpers/uplink/fixtures.ts";

const uplinkKeys = new Map([
  ["up-1", Buffer.from("uplink-key-one-0123456789abcdef01")],
  ["up-2", Buffer.from("uplink-key-two-0123456789abcdef02")],
]);

/** Verifies `raw` as docs/mqtt.md 6.2.2 describes; returns the kid it was signed under. */
function verifyAsDocumented(raw: Buffer): string {
  const marker = Buffer.from(',"sig":"');
  const at = raw.lastIndexOf(marker);
  expect(at, `signed: ${raw.toString()}`).toBeGreaterThan(0);
  const signed = raw.subarray(0, at);
  const tail = raw.subarray(at + marker.length).toString("utf8");
  expect(tail).toMatch(/^[0-9a-f]{64}"}$/);
  const message = JSON.parse(raw.toString("utf8")) as { kid: string; sig: string };
  expect(message.sig).toBe(tail.slice(0, 64));
  const key = uplinkKeys.get(message.kid);
  expect(key, `known kid ${message.kid}`).toBeDefined();
  expect(createHmac("sha256", key!).update(signed).digest("hex")).toBe(message.sig);
  return message.kid;
}

let broker: MosquittoBroker;
let platform: Platform;
let sim: RunningSimulator;
let service: ServiceUnderTest;

function configText(parts: { dataDir: string; httpPort: number }, uplinkKeyId: string): string {
  return `gateway: { id: ${testGatewayId}, dataDir: ${parts.dataDir}, httpPort: ${parts.httpPort} }
buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 300 }]
meters: [{ id: m1, bus: tcp, unit: 1, profile: generic-prepaid, account: a1, pollIntervalMs: 200 }]
accounts: [{ id: a1, tariff: flat, balance: "50.00" }]
tariffs: [{ id: flat, kind: flat, price: "0.5283" }]
mqtt:
  url: ${broker.url}
  meterStateIntervalMs: 0
  reconnectMinMs: 200
  reconnectMaxMs: 1000
  commandKeyFile: command.key
  uplinkKey: { id: ${uplinkKeyId}, file: ${uplinkKeyId}.key }
`;
}

beforeAll(async () => {
  // The platform keeps a persistent session on a broker that saves it over its restart below, so what
  // the gateway republishes before the platform has reconnected is queued for it, not lost.
  broker = await startMosquitto({ persistence: true });
  platform = await Platform.connect(broker.url, {
    clean: false,
    clientId: `platform-signed-${process.pid}`,
    properties: { sessionExpiryInterval: 600 },
  });
  sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: [{ unit: 1, profile: requireProfile(profiles, "generic-prepaid"), powerW: 3000 }],
  });
  service = await startService({
    config: (parts) => {
      writeFileSync(join(parts.dir, "command.key"), testKey);
      for (const [id, key] of uplinkKeys) writeFileSync(join(parts.dir, `${id}.key`), `${key.toString()}\n`);
      return configText(parts, "up-1");
    },
  });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await platform?.close();
  await sim?.stop();
  await broker?.stop();
});

const on = (suffix: string): Received[] => platform.on(suffix);

describe("signed messages", () => {
  it("signs every kind of message, and a backlog republished after a key rotation verifies under its new kid", async () => {
    await platform.until(
      () =>
        on("readings").length > 0 &&
        on("billing").some((m) => (m.payload["body"] as { kind: string }).kind === "charge") &&
        on("events").length > 0 &&
        on("status").length > 0 &&
        on("meters/m1/state").length > 0,
      "readings, a charge, events, status and a meter state",
      30_000,
    );
    const response = await platform.request(
      "time.check",
      signedRequest("time.check", {}, { nowMs: Date.now() }),
    );
    expect(response).toMatchObject({ status: "ok", kid: "up-1" });
    // Everything under the gateway's topics but the platform's own requests.
    const fromGateway = (m: Received) => !m.topic.startsWith(`mg/${testGatewayId}/request/`);
    const live = platform.messages.filter(fromGateway);
    for (const message of live) expect(verifyAsDocumented(message.raw), message.topic).toBe("up-1");

    // Broker down: records wait in the outbox. The uplink key is rotated meanwhile (SIGHUP).
    await broker.stop();
    const before = platform.messages.length;
    writeFileSync(
      service.configFile,
      configText({ dataDir: service.dataDir, httpPort: service.httpPort }, "up-2"),
    );
    service.process.child.kill("SIGHUP");
    // The reload is awaited by its own log line, then a few readings are stored while offline.
    await platform.until(() => service.process.output().includes("keys reloaded"), "keys reloaded", 20_000);
    await platform.until(async () => {
      const backlog = (await service.status())["backlog"] as Record<string, number>;
      return (backlog["readings"] ?? 0) >= 2;
    }, "readings stored while offline");
    await broker.restart();
    // The backlog's streams go out in turns: wait for the readings and for the rotation's own event.
    const isRotation = (m: Received) =>
      (m.payload["body"] as { type?: string } | undefined)?.type === "keys.reloaded";
    await platform.until(
      () =>
        platform.messages
          .slice(before)
          .some((m) => m.topic.endsWith("/readings") && m.payload["historical"] === true) &&
        platform.messages.slice(before).some(isRotation),
      "the backlog republished",
      60_000,
    );
    const afterOutage = platform.messages.slice(before).filter(fromGateway);
    for (const message of afterOutage) {
      const kid = verifyAsDocumented(message.raw);
      // What the broker had queued for the platform's session before it stopped was signed before the
      // rotation, and a meter state is signed when it is produced (docs/mqtt.md 6.2.2); the backlog the
      // gateway republishes after reconnecting is signed as it goes out, with the new key.
      expect(["up-1", "up-2"], message.topic).toContain(kid);
      if (message.payload["historical"] === true) expect(kid, message.topic).toBe("up-2");
    }
    const backlog = afterOutage.filter((m) => m.payload["historical"] === true);
    expect(backlog.length).toBeGreaterThan(0);
    const rotated = afterOutage
      .map((m) => m.payload["body"] as { type?: string; data?: unknown } | undefined)
      .find((body) => body?.type === "keys.reloaded");
    expect(rotated).toMatchObject({ data: { uplinkKey: "up-2", commandKeys: ["default"] } });
  }, 120_000);
});
