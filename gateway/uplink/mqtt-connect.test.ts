/**
 * connectMqtt against real brokers: plain and mutual-TLS mosquitto, a silent TCP peer and an HTTP server
 * standing in for a WebSocket broker. What MQTT.js's connect() did for the uplink must still happen:
 * credentials in the URL, the server name taken from the URL, untrusted certificates refused unless
 * rejectUnauthorized is false, a client certificate making mqtt:// TLS, the connect timeout, and ws://
 * left to MQTT.js.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { IClientOptions, MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { LOOPBACK, freePort, startMosquitto, waitFor } from "../../test/helpers/index.ts";
import type { MosquittoBroker, TlsMosquittoBroker } from "../../test/helpers/index.ts";
import { startHostilePeer } from "../../test/helpers/hostile-tcp.ts";
import { connectMqtt } from "./mqtt-connect.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function own<T extends MosquittoBroker>(broker: T): T {
  cleanups.push(() => broker.stop());
  return broker;
}

/** The first of: CONNACK (the client), an error, or a close before CONNACK (both rejected). */
function connected(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = connectMqtt(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  cleanups.push(() => client.endAsync(true));
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", reject);
    client.once("close", () => reject(new Error("closed before CONNACK")));
  });
}

function tlsFiles(broker: TlsMosquittoBroker) {
  return { ca: readFileSync(broker.ca), cert: readFileSync(broker.cert), key: readFileSync(broker.key) };
}

describe("connectMqtt", () => {
  it("connects to mqtt:// with the URL's user name and delivers a QoS 1 publish", async () => {
    const broker = own(await startMosquitto());
    const url = `mqtt://gw-user:secret@${LOOPBACK}:${broker.port}`;
    const subscriber = await connected(url, { clientId: "mc-sub" });
    const publisher = await connected(url, { clientId: "mc-pub" });
    const received = new Promise<string>((resolve) =>
      subscriber.once("message", (_topic, payload) => resolve(payload.toString("utf8"))),
    );
    await subscriber.subscribeAsync("mc/t", { qos: 1 });
    await publisher.publishAsync("mc/t", "hello", { qos: 1 });
    expect(await received).toBe("hello");
    expect(broker.logs()).toMatch(/as mc-pub \(.*u'gw-user'\)/);
  });

  it("checks the server certificate against the URL's host, and takes a client certificate as TLS on mqtt://", async () => {
    const broker = own(await startMosquitto({ tls: true }));
    const byName = await connected(`mqtts://localhost:${broker.port}`, tlsFiles(broker));
    const upgraded = await connected(`mqtt://${LOOPBACK}:${broker.port}`, tlsFiles(broker));
    expect(byName.connected && upgraded.connected).toBe(true);
    expect(byName.stream.constructor.name).toBe("TLSSocket");
    expect(upgraded.stream.constructor.name).toBe("TLSSocket");
  });

  it("refuses a server certificate it cannot verify, unless rejectUnauthorized is false", async () => {
    const broker = own(await startMosquitto({ tls: true }));
    const { cert, key } = tlsFiles(broker);
    await expect(connected(broker.url, { cert, key })).rejects.toThrow(
      /self[- ]signed|unable to (verify|get local issuer)/i,
    );
    await expect(
      connected(broker.url, { ...tlsFiles(broker), servername: "broker.example.com" }),
    ).rejects.toThrow(/does not match|not in the cert's altnames/i);
    const unchecked = await connected(broker.url, { cert, key, rejectUnauthorized: false });
    expect(unchecked.connected).toBe(true);
  });

  it("closes a connection that gets no CONNACK within connectTimeout", async () => {
    const peer = await startHostilePeer("silent");
    cleanups.push(() => peer.close());
    const client = connectMqtt(`mqtt://${peer.address}`, { reconnectPeriod: 0, connectTimeout: 300 });
    cleanups.push(() => client.endAsync(true));
    const events: string[] = [];
    client.on("connect", () => events.push("connect"));
    client.on("close", () => events.push("close"));
    await waitFor(() => events.includes("close"), { description: "close after the connect timeout" });
    expect(events).toEqual(["close"]);
    expect(peer.bytesReceived()).toBeGreaterThan(0);
  });

  it("leaves ws:// to MQTT.js: a WebSocket upgrade request to /mqtt", async () => {
    const port = await freePort();
    const upgrades: IncomingMessage[] = [];
    const server = createServer().on("upgrade", (request: IncomingMessage, socket) => {
      upgrades.push(request);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(port, LOOPBACK, resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const client = connectMqtt(`ws://${LOOPBACK}:${port}/mqtt`, { reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync(true));
    await waitFor(() => upgrades.length > 0, { description: "the WebSocket upgrade" });
    expect(upgrades[0]?.url).toBe("/mqtt");
    expect(upgrades[0]?.headers["upgrade"]).toBe("websocket");
    expect(upgrades[0]?.headers["sec-websocket-protocol"]).toBe("mqtt");
  });
});
