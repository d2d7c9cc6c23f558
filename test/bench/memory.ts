/**
 * Figure 5, memory: the gateway child with 1,000 generic-prepaid TCP meters polled every second, every
 * meter on a prepaid account, a pre-seeded outbox backlog, and the real Uplink draining it to mosquitto at
 * its default pace. RSS sampled every second: the peak, and the growth between the first and the last
 * fifth of the run (after a 5 s warm-up).
 */
import { fmt, serviceEnvironment, type Figure, type Scale } from "./common.ts";
import { runTcpGateway } from "./tcp.ts";

const mb = 1024 * 1024;
/** "Flat": growth over the run within 5 % of the 100 MB budget. */
const flatLimitMb = 5;

export async function memoryFigures(scale: Scale): Promise<Figure[]> {
  const result = await runTcpGateway({
    meters: scale.memoryMeters,
    simProcesses: scale.tcpSimProcesses,
    pollIntervalMs: 1000,
    warmupMs: 5000,
    windowMs: scale.memoryRunMs,
    seedBacklog: scale.memoryBacklog,
    withUplink: true,
    accounts: true,
  });
  const samples = result.rss.map(([, bytes]) => bytes);
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const growth = mean(samples.slice(-fifth)) - mean(samples.slice(0, fifth));
  const peak = Math.max(...samples);
  const unitEnv = Object.entries(serviceEnvironment())
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const scaleText = `${scale.memoryMeters} meters @1 s, ${scale.memoryBacklog.toLocaleString("en-US")} backlog, ${scale.memoryRunMs / 1000} s`;
  const readingsPerSec = (result.readings / result.windowMs) * 1000;
  return [
    {
      id: "5a",
      name: "Gateway RSS (peak)",
      measured: peak / mb,
      unit: "MB",
      limit: 100,
      limitLabel: "target",
      better: "lower",
      scale: scaleText,
      note: `${fmt(readingsPerSec)} readings/s; backlog ${result.backlogStart ?? "?"} -> ${result.backlogEnd ?? "?"}; heap ${(result.heapUsedEnd / mb).toFixed(0)} MB at end${result.memoryEnd === undefined ? "" : `, external ${(result.memoryEnd.external / mb).toFixed(0)} MB, array buffers ${(result.memoryEnd.arrayBuffers / mb).toFixed(0)} MB, heap total ${(result.memoryEnd.heapTotal / mb).toFixed(0)} MB`}; compiled, systemd unit env: ${unitEnv}`,
      detail: { rss: result.rss, readings: result.readings, seedMs: result.seedMs },
    },
    {
      id: "5b",
      name: "Gateway RSS growth over the run",
      measured: growth / mb,
      unit: "MB",
      limit: flatLimitMb,
      limitLabel: "flat (<= 5 MB)",
      better: "lower",
      scale: scaleText,
    },
  ];
}
