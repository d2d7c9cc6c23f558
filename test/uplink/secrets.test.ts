/**
 * The broker password and the command key never reach the log, at the most verbose level, through a
 * connection, commands (good and bad) and a reconnect.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../core/logger.ts";
import { signedRequest, testKeyText } from "../helpers/uplink/fixtures.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto, tempDir, waitFor } from "../helpers/index.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { Platform } from "../helpers/platform.ts";
import { startGateway, stopParts } from "../helpers/uplink/harness.ts";

let broker: MosquittoBroker | undefined;
let gateway: GatewayUnderTest | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await stopParts({ gateway, platform, broker });
  gateway = platform = broker = undefined;
});

describe("secrets", () => {
  it("never logs the broker password or the command key", async () => {
    broker = await startMosquitto();
    platform = await Platform.connect(broker.url);
    let log = "";
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const password = "broker-password-do-not-log-4711";
    const dir = (await tempDir("uplink-secrets-")).path;
    writeFileSync(join(dir, "mqtt.password"), `${password}\n`);
    gateway = await startGateway({
      url: broker.url,
      mqtt: { username: "site-01", passwordFile: join(dir, "mqtt.password") },
      logger: createLogger({ level: "trace", destination: sink }),
    });
    expect(
      await platform.request("time.check", signedRequest("time.check", {}, { nowMs: Date.now() })),
    ).toMatchObject({
      status: "ok",
    });
    await platform.request("topup", { garbage: true });
    await broker.restart();
    await waitFor(() => gateway!.uplink.connected, { description: "reconnected", timeoutMs: 10_000 });
    await gateway.stop();
    gateway = undefined;
    expect(log).toContain("uplink connected");
    expect(log).toContain("command refused");
    expect(log).not.toContain(password);
    expect(log).not.toContain(testKeyText);
  });
});
