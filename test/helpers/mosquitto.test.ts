import { readFileSync } from "node:fs";
import { connect } from "mqtt";
import type { IClientOptions, MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { acceptsConnections } from "./ports.ts";
import { waitFor } from "./wait-for.ts";
import { startMosquitto } from "./mosquitto.ts";
import type { MosquittoBroker } from "./mosquitto.ts";

const clients: MqttClient[] = [];
const brokers: MosquittoBroker[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
});

async function broker<T extends MosquittoBroker>(started: Promise<T>): Promise<T> {
  const b = await started;
  brokers.push(b);
  return b;
}

/** Connects once (no reconnect); rejects on the first error or close before CONNACK. */
function connectOnce(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(client);
    client.once("connect", () => resolve(client));
    client.once("error", reject);
    client.once("close", () => reject(new Error("connection closed before CONNACK")));
  });
}

/** Subscribes `subscriber`, publishes from `publisher`, resolves with the payload that arrived. */
async function roundTrip(subscriber: MqttClient, publisher: MqttClient, topic: string, payload: string) {
  const received = new Promise<{ topic: string; payload: string }>((resolve) => {
    subscriber.once("message", (t, p) => resolve({ topic: t, payload: p.toString("utf8") }));
  });
  await subscriber.subscribeAsync(topic, { qos: 1 });
  await publisher.publishAsync(topic, payload, { qos: 1 });
  return received;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startMosquitto", () => {
  it("runs a real broker on 127.0.0.1 that delivers a publish to a subscriber", async () => {
    const b = await broker(startMosquitto());
    expect(b.host).toBe("127.0.0.1");
    expect(b.port).toBeGreaterThan(1023);
    expect(b.url).toBe(`mqtt://127.0.0.1:${b.port}`);
    expect(readFileSync(`/proc/${b.pid}/comm`, "utf8").trim()).toBe("mosquitto");

    const subscriber = await connectOnce(b.url);
    const publisher = await connectOnce(b.url);
    const message = await roundTrip(subscriber, publisher, "meters/m1/reading", '{"energyWh":1234}');

    expect(message).toEqual({ topic: "meters/m1/reading", payload: '{"energyWh":1234}' });
    expect(b.logs()).toMatch(/New client connected/);
  });

  it("gives every broker its own port", async () => {
    const [first, second] = await Promise.all([broker(startMosquitto()), broker(startMosquitto())]);
    expect(first.port).not.toBe(second.port);
  });

  it("stop() kills the process, waits for it, and closes the port", async () => {
    const b = await broker(startMosquitto());
    const pid = b.pid;
    await b.stop();

    expect(isAlive(pid)).toBe(false);
    expect(await acceptsConnections(b.port)).toBe(false);
    await b.stop(); // idempotent
  });

  it("restart() brings a new process up on the same port, without persisted sessions", async () => {
    const b = await broker(startMosquitto());
    const { port, url } = b;
    const firstPid = b.pid;
    const before = await connectOnce(url);
    const closed = new Promise<void>((resolve) => before.once("close", () => resolve()));
    before.removeAllListeners("error"); // the restart breaks this connection on purpose

    await b.restart();
    await closed;

    expect(b.port).toBe(port);
    expect(b.pid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);
    const subscriber = await connectOnce(url);
    const publisher = await connectOnce(url);
    const message = await roundTrip(subscriber, publisher, "gateway/status", "online");
    expect(message.payload).toBe("online");
  });
});

describe("startMosquitto({ tls: true })", () => {
  it("rejects a client without a certificate and accepts one with the test client certificate", async () => {
    const b = await broker(startMosquitto({ tls: true }));
    expect(b.url).toBe(`mqtts://127.0.0.1:${b.port}`);
    const ca = readFileSync(b.ca);

    // TLS 1.3: the broker aborts the handshake with alert 116 "certificate required".
    await expect(connectOnce(b.url, { ca })).rejects.toThrow(/certificate required/i);
    await waitFor(() => /peer did not return a certificate/.test(b.logs()), { description: "broker log" });

    const subscriber = await connectOnce(b.url, { ca, cert: readFileSync(b.cert), key: readFileSync(b.key) });
    const publisher = await connectOnce(b.url, { ca, cert: readFileSync(b.cert), key: readFileSync(b.key) });
    const message = await roundTrip(subscriber, publisher, "meters/m2/balance", "42");
    expect(message.payload).toBe("42");
  });

  it("serves a certificate that verifies for 127.0.0.1 and localhost against the test CA", async () => {
    const b = await broker(startMosquitto({ tls: true }));
    const tlsOptions = { ca: readFileSync(b.ca), cert: readFileSync(b.cert), key: readFileSync(b.key) };

    const byIp = await connectOnce(b.url, tlsOptions);
    const byName = await connectOnce(`mqtts://localhost:${b.port}`, tlsOptions);
    expect(byIp.connected && byName.connected).toBe(true);
    // Without the CA the server certificate is untrusted: hostname checks alone do not let it through.
    await expect(connectOnce(b.url, { cert: tlsOptions.cert, key: tlsOptions.key })).rejects.toThrow(
      /self[- ]signed|unable to (verify|get local issuer)/i,
    );
  });
});
