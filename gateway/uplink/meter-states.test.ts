/**
 * MeterStates against a real mosquitto: a state goes out once, retained, and is forgotten once the broker
 * acknowledged it; one that was still unacknowledged when its connection broke goes out on the next.
 */
import type { MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { startMosquitto, waitFor, type MosquittoBroker } from "../../test/helpers/index.ts";
import { MeterStates } from "./meter-states.ts";
import { connectMqtt } from "./mqtt-connect.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function client(broker: MosquittoBroker, clientId: string): Promise<MqttClient> {
  const c = connectMqtt(broker.url, { clientId, reconnectPeriod: 0, connectTimeout: 5000 });
  cleanups.push(() => c.endAsync(true));
  await new Promise((resolve, reject) => c.once("connect", resolve).once("error", reject));
  return c;
}

/** Every publish on `meters/#` a subscriber sees, as "topic payload". */
async function watch(broker: MosquittoBroker): Promise<string[]> {
  const seen: string[] = [];
  const subscriber = await client(broker, "ms-watch");
  subscriber.on("message", (topic, payload) => seen.push(`${topic} ${payload.toString("utf8")}`));
  await subscriber.subscribeAsync("meters/#", { qos: 1 });
  return seen;
}

describe("MeterStates", () => {
  it("forgets a state once the broker acknowledged it, so a new connection sends nothing again", async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const seen = await watch(broker);
    const states = new MeterStates();
    states.set("meters/m1/state", "a1");
    states.set("meters/m2/state", "b1");
    states.flush(await client(broker, "ms-first"));
    await waitFor(() => states.pendingCount() === 0 && seen.length === 2, {
      description: "both acknowledged",
    });
    states.set("meters/m1/state", "a2");
    const second = await client(broker, "ms-second");
    states.flush(second);
    await waitFor(() => states.pendingCount() === 0, { description: "a2 acknowledged" });
    // The broker forwards one publisher's messages in order: once the marker is in, so is all before it.
    await second.publishAsync("meters/marker", "end", { qos: 1 });
    await waitFor(() => seen.includes("meters/marker end"), { description: "the marker" });
    expect(seen).toEqual([
      "meters/m1/state a1",
      "meters/m2/state b1",
      "meters/m1/state a2",
      "meters/marker end",
    ]);
  });

  it("sends a state that was not acknowledged again on the next connection", async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const seen = await watch(broker);
    const states = new MeterStates();
    const first = await client(broker, "ms-lost");
    first.stream.destroy(); // the connection breaks before any PUBACK can come back
    states.set("meters/m1/state", "a1");
    states.flush(first);
    expect(states.pendingCount()).toBe(1);
    const next = await client(broker, "ms-next");
    states.flush(next);
    await waitFor(() => states.pendingCount() === 0, {
      description: "a1 acknowledged on the new connection",
    });
    await next.publishAsync("meters/marker", "end", { qos: 1 });
    await waitFor(() => seen.includes("meters/marker end"), { description: "the marker" });
    expect(seen).toEqual(["meters/m1/state a1", "meters/marker end"]);
  });
});
