/**
 * Figure 4, backlog drain: a backlog of reading records published by the real Uplink to a local
 * mosquitto at QoS 1 (delivered on PUBACK), against a raw MQTT.js QoS 1 publisher of the same envelope
 * bytes with the same in-flight window, in the same run, on the same broker. While the uplink drains,
 * one live reading is enqueued every 500 ms; a subscriber measures enqueue-to-broker-delivery latency.
 */
import { connect } from "mqtt";
import { startMosquitto, tempDir } from "../helpers/index.ts";
import { startChild, type Figure, type Scale } from "./common.ts";

interface DrainResult {
  mode: string;
  count: number;
  ms: number;
  perSec: number;
  cpuUs: number;
  rss: number;
  seedMs?: number;
  live?: number;
  left?: number;
}

const window = 256;
const liveEveryMs = 500;

export async function drainFigures(scale: Scale): Promise<Figure[]> {
  const broker = await startMosquitto();
  const dir = await tempDir("bench-drain-");
  const latencies: number[] = [];
  const subscriber = connect(broker.url, { protocolVersion: 5, reconnectPeriod: 0, clean: true });
  try {
    await new Promise<void>((resolve, reject) => {
      subscriber.once("connect", () => resolve());
      subscriber.once("error", reject);
    });
    subscriber.on("message", (_topic, payload) => {
      const text = payload.toString();
      if (!text.includes('"LIVE"')) return;
      const body = JSON.parse(text) as { body: { readings: Array<{ wallMs: number }> } };
      const wallMs = body.body.readings[0]?.wallMs;
      if (wallMs !== undefined) latencies.push(Date.now() - wallMs);
    });
    await subscriber.subscribeAsync(["mg/#", "bench/#"], { qos: 0 });
    const raw = await startChild<DrainResult>("drain-child.ts", [
      "raw",
      broker.url,
      String(scale.backlog),
      dir.path,
      String(window),
      "0",
    ]).result;
    const uplink = await startChild<DrainResult>("drain-child.ts", [
      "uplink",
      broker.url,
      String(scale.backlog),
      dir.path,
      String(window),
      String(liveEveryMs),
    ]).result;
    const sorted = [...latencies].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    const scaleText = `${scale.backlog.toLocaleString("en-US")} records, window ${window}`;
    return [
      {
        id: "4a",
        name: "Backlog drain, Uplink QoS 1 to mosquitto",
        measured: uplink.perSec,
        unit: "msg/s",
        limit: raw.perSec,
        limitLabel: "raw MQTT.js QoS 1, same bytes",
        better: "higher",
        pass: 0.5,
        scale: scaleText,
        note: `uplink ${(uplink.cpuUs / uplink.count).toFixed(0)} µs CPU/msg vs raw ${(raw.cpuUs / raw.count).toFixed(0)}; backlogRatePerSec 100000; seeding took ${((uplink.seedMs ?? 0) / 1000).toFixed(1)} s`,
        detail: { uplink, raw },
      },
      {
        id: "4b",
        name: "Live-reading latency while draining (max)",
        measured: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
        unit: "ms",
        limit: 5000,
        limitLabel: "target",
        better: "lower",
        scale: `${uplink.live ?? 0} live readings, 1 per ${liveEveryMs} ms`,
        note: `p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, received ${sorted.length}/${uplink.live ?? 0}`,
        detail: { latencies: sorted },
      },
    ];
  } finally {
    subscriber.end(true);
    await broker.stop();
    await dir.remove();
  }
}
