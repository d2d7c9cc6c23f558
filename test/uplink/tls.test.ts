/**
 * Mutual TLS against a real mosquitto with certificates generated for this test: the gateway delivers
 * with the right CA, client certificate and server name, and refuses to talk to a broker whose
 * certificate does not carry the expected name (the outbox keeps everything meanwhile).
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { TlsMosquittoBroker } from "../helpers/index.ts";
import { startMosquitto, waitFor } from "../helpers/index.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { Platform } from "../helpers/platform.ts";
import { startGateway, stopParts } from "../helpers/uplink/harness.ts";
import { addRecords } from "../helpers/uplink/records.ts";

let broker: TlsMosquittoBroker | undefined;
let gateway: GatewayUnderTest | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await stopParts({ gateway, platform, broker });
  gateway = platform = broker = undefined;
});

describe("uplink over mutual TLS", () => {
  it("connects with CA, client certificate and key, checks the server name and delivers", async () => {
    broker = await startMosquitto({ tls: true });
    const b = broker;
    platform = await Platform.connect(broker.url, {
      ca: readFileSync(b.ca),
      cert: readFileSync(b.cert),
      key: readFileSync(b.key),
    });
    gateway = await startGateway({
      url: broker.url,
      mqtt: { tls: { caFile: b.ca, certFile: b.cert, keyFile: b.key, servername: "localhost" } },
      before: (store) => addRecords(store, "events", 5),
    });
    await platform.until(() => platform!.on("events").length === 5, "events over TLS");
    expect(platform.on("events").map((m) => m.payload["seq"])).toEqual([1, 2, 3, 4, 5]);
    expect(platform.on("status").at(-1)?.payload).toMatchObject({ state: "online" });
  });

  it("does not connect when the broker certificate does not match the server name, or without a client certificate", async () => {
    broker = await startMosquitto({ tls: true });
    const b = broker;
    // Connection attempts each gateway began: a second one begins only once the first has failed.
    const attempts = { wrongName: 0, noClientCert: 0 };
    const wrongName = await startGateway({
      url: broker.url,
      mqtt: { tls: { caFile: b.ca, certFile: b.cert, keyFile: b.key, servername: "broker.example.com" } },
      before: (store) => addRecords(store, "events", 3),
      gate: () => Promise.resolve(void attempts.wrongName++),
      waitConnected: false,
    });
    const noClientCert = await startGateway({
      url: broker.url,
      mqtt: { tls: { caFile: b.ca } },
      gate: () => Promise.resolve(void attempts.noClientCert++),
      waitConnected: false,
    });
    try {
      await waitFor(() => attempts.wrongName >= 2 && attempts.noClientCert >= 2, {
        description: "a failed first attempt and a retry by each gateway",
      });
      expect(wrongName.uplink.connected).toBe(false);
      expect(noClientCert.uplink.connected).toBe(false);
      expect(wrongName.store.outbox.backlogCount()).toBe(3);
      expect(broker.logs()).not.toMatch(/New client connected .* as gw-/);
    } finally {
      await wrongName.stop();
      await noClientCert.stop();
    }
  });
});
