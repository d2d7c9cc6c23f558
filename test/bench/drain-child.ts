/**
 * Figure 4 in its own process. `uplink`: seeds `count` reading records into a fresh store's outbox, then
 * runs the real Uplink (QoS 1, marked delivered on PUBACK) until the outbox is empty, enqueueing one live
 * reading (meterId `LIVE`, wallMs = enqueue time) every `liveEveryMs` while it drains. `raw`: one MQTT.js
 * client publishing the same envelope bytes `count` times at QoS 1 with the same in-flight window.
 *
 * Usage: node --import tsx test/bench/drain-child.ts uplink|raw <brokerUrl> <count> <dataDir> <window> <liveEveryMs>
 */
import { connect } from "mqtt";
import { SystemClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { openStore } from "../../gateway/store/index.ts";
import { mqttConfigSchema } from "../../gateway/config/mqtt.ts";
import { buildEnvelope } from "../../gateway/uplink/envelope.ts";
import { enqueueRecord } from "../../gateway/uplink/outbox-writer.ts";
import { startExecutorRig } from "../helpers/service-rigs/executor-rig.ts";
import { Uplink } from "../../gateway/uplink/uplink.ts";
import { reportResult, sleep } from "./common.ts";
import { sampleValues, seedBacklog } from "./seed.ts";

export const drainGatewayId = "bench-drain";
/** Upper bound of one drain, so a stuck uplink cannot hang the bench. */
const maxDrainMs = 600_000;

const [mode, url = "", countArg = "1000", dataDir = "/tmp", windowArg = "256", liveArg = "500"] =
  process.argv.slice(2);
const count = Number(countArg);
const window = Number(windowArg);
const liveEveryMs = Number(liveArg);
const clock = new SystemClock();

/** One envelope as the uplink publishes it for a backlog record. */
function sampleEnvelope(n: number): string {
  return JSON.stringify(
    buildEnvelope(
      {
        id: n,
        stream: "readings",
        seq: n,
        key: `seed-${n}`,
        payload: {
          kind: "readings",
          readings: [
            {
              readingId: n,
              meterId: `M-${n % 1000}`,
              wallMs: Date.now(),
              monoMs: n,
              values: sampleValues(n),
              quality: [],
            },
          ],
        },
        createdAtMs: Date.now(),
        createdMonoMs: n,
        deliveredAtMs: null,
      },
      drainGatewayId,
      true,
      "0123456789abcdef",
    ),
  );
}

if (mode === "raw") {
  const payload = sampleEnvelope(500_000);
  const client = connect(url, {
    protocolVersion: 5,
    clientId: `bench-raw-${process.pid}`,
    reconnectPeriod: 0,
  });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  const cpu = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    let inFlight = 0;
    const pump = () => {
      while (inFlight < window && sent < count) {
        sent++;
        inFlight++;
        client.publish("bench/raw/readings", payload, { qos: 1 }, (error) => {
          if (error) return reject(error);
          inFlight--;
          if (++acked === count) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  reportResult({
    mode,
    count,
    ms,
    perSec: (count / ms) * 1000,
    cpuUs: used.user + used.system,
    payloadBytes: payload.length,
    rss: process.memoryUsage.rss(),
  });
  await client.endAsync();
  process.exit(0);
}

const store = openStore({ dataDir, clock });
const seedMs = seedBacklog(store, count);
const uplink = new Uplink({
  config: mqttConfigSchema.parse({
    url,
    clientId: `bench-uplink-${process.pid}`,
    window,
    batchSize: 1000,
    // Unpaced in practice: the figure measures the drain path against a raw publisher.
    backlogRatePerSec: 100_000,
    pollIntervalMs: 50,
  }),
  gatewayId: drainGatewayId,
  store,
  clock,
  logger: silentLogger(),
  version: "0.0.0-bench",
  statusProvider: () => ({ meters: { total: 0, online: 0, offline: 0 } }),
  executor: startExecutorRig({ store, clock }).executor,
});
let live = 0;
const liveTimer = setInterval(() => {
  live++;
  enqueueRecord(store.outbox, "readings", `live-${live}`, {
    kind: "readings",
    readings: [
      {
        readingId: count + live,
        meterId: "LIVE",
        wallMs: Date.now(),
        monoMs: performance.now(),
        values: sampleValues(live),
        quality: [],
      },
    ],
  });
  uplink.outboxChanged();
}, liveEveryMs);
const cpu = process.cpuUsage();
const started = performance.now();
let peakRss = process.memoryUsage.rss();
await uplink.start();
while (store.outbox.backlogCount() > 0 && performance.now() - started < maxDrainMs) {
  await sleep(50);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
clearInterval(liveTimer);
const left = store.outbox.backlogCount();
reportResult({
  mode,
  count,
  seedMs,
  ms,
  perSec: ((count + live - left) / ms) * 1000,
  left,
  live,
  cpuUs: used.user + used.system,
  rss: peakRss,
});
await uplink.stop();
store.close();
process.exit(0);
