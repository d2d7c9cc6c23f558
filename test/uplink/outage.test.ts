/**
 * The broker goes away and comes back: everything made meanwhile (and whatever was in flight) arrives
 * after the reconnect, in seq order and flagged historical, while live records keep flowing ahead of the
 * paced backlog. Nothing depends on the broker or MQTT.js holding messages.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StreamName } from "../../gateway/uplink/records.ts";
import type { MosquittoBroker } from "../helpers/index.ts";
import { startMosquitto, waitFor } from "../helpers/index.ts";
import type { GatewayUnderTest } from "../helpers/uplink/harness.ts";
import { Platform } from "../helpers/platform.ts";
import { startGateway, stopParts } from "../helpers/uplink/harness.ts";
import { addRecords } from "../helpers/uplink/records.ts";

let broker: MosquittoBroker | undefined;
let gateway: GatewayUnderTest | undefined;
let platform: Platform | undefined;
afterEach(async () => {
  await stopParts({ gateway, platform, broker });
  gateway = platform = broker = undefined;
});

const streams: StreamName[] = ["readings", "billing", "events"];

/** A gate the harness waits on before each connection attempt. */
function gateControl() {
  let gate: Promise<void> = Promise.resolve();
  let open = (): void => undefined;
  return {
    wait: () => gate,
    close() {
      gate = new Promise((resolve) => (open = resolve));
    },
    open: () => open(),
  };
}

describe("uplink across a broker outage", () => {
  it("delivers every record made during the outage after reconnecting, in order, flagged historical", async () => {
    broker = await startMosquitto();
    platform = await Platform.connect(broker.url);
    const gate = gateControl();
    gateway = await startGateway({ url: broker.url, gate: gate.wait, mqtt: { backlogRatePerSec: 60 } });
    const store = gateway.store;
    for (const s of streams) addRecords(store, s, 10);
    gateway.uplink.outboxChanged();
    await platform.until(
      () => streams.every((s) => platform!.on(s).length === 10),
      "10 live records per stream",
    );
    await waitFor(() => store.outbox.backlogCount() === 0, { description: "first records acknowledged" });

    gate.close();
    await broker.stop();
    await waitFor(() => !gateway!.uplink.connected, { description: "uplink notices the outage" });
    for (const s of streams) addRecords(store, s, 30);
    expect(store.outbox.backlogCount()).toBe(90);

    await broker.restart();
    // The platform must be subscribed again before the gateway reconnects, or it would miss messages
    // the broker accepted (that is the platform's persistent session's job, not the gateway's).
    await platform.until(() => platform!.client.connected, "platform reconnected");
    await platform.client.subscribeAsync("mg/gw-test/#", { qos: 1 });
    const reconnectedAt = platform.messages.length;
    gate.open();
    await waitFor(() => gateway!.uplink.connected, { description: "uplink reconnected", timeoutMs: 10_000 });

    // Live data keeps flowing while the backlog (90 records at 60/s) drains.
    addRecords(store, "events", 3, "live");
    gateway.uplink.outboxChanged();
    await platform.until(
      () =>
        streams.every(
          (s) => new Set(platform!.on(s).map((m) => m.payload["seq"])).size === (s === "events" ? 43 : 40),
        ),
      "every record after the reconnect",
      15_000,
    );

    const after = platform.messages.slice(reconnectedAt);
    for (const stream of streams) {
      const received = after.filter((m) => m.topic === `mg/gw-test/${stream}`).map((m) => m.payload);
      const historical = received.filter((p) => p["historical"] === true).map((p) => p["seq"] as number);
      expect(historical, `${stream}: backlog in seq order`).toEqual([...historical].sort((a, b) => a - b));
      expect(new Set(historical), `${stream}: the outage's records, historical`).toEqual(
        new Set(Array.from({ length: 30 }, (_, i) => i + 11)),
      );
      const all = platform.on(stream).map((m) => m.payload);
      const keyBySeq = new Map<unknown, unknown>();
      for (const p of all) {
        expect(keyBySeq.get(p["seq"]) ?? p["key"], "a duplicate carries the same key").toBe(p["key"]);
        keyBySeq.set(p["seq"], p["key"]);
      }
    }
    const events = after.filter((m) => m.topic === "mg/gw-test/events").map((m) => m.payload);
    const live = events.filter((p) => p["historical"] === false);
    expect(live.map((p) => p["seq"])).toEqual([41, 42, 43]);
    const lastHistorical = events.findLastIndex((p) => p["historical"] === true);
    expect(events.indexOf(live[0]!), "live records overtake the paced backlog").toBeLessThan(lastHistorical);
    await waitFor(() => store.outbox.backlogCount() === 0, { description: "outbox drained" });
  });
});
