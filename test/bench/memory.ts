/**
 * Figure 5, memory: `meter-gateway run` itself (compiled, in the systemd unit's environment, see
 * service-process.ts) at the topology of issue 13's memory goal: 1,000 bench-sdm120 meters on 100
 * Modbus TCP connections (10 unit ids each), polled every 250 ms (4,000 readings/s asked), every meter
 * on a prepaid account, its local HTTP API, a backlog on disk, and its Uplink draining that backlog to
 * mosquitto at the default pace. RSS sampled every second: the peak, and the growth between the first
 * and the last fifth of the run (after a 5 s warm-up).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/index.ts";
import { fmt, serviceEnvironment, serviceNodeArgs, type Figure, type Scale } from "./common.ts";
import { runService } from "./service-process.ts";
import { withTcpRig } from "./tcp.ts";

const mb = 1024 * 1024;
/** "Flat": growth over the run within 5 % of the 100 MB budget. */
const flatLimitMb = 5;
/** Issue 13: 1,000 meters on 100 connections at 4,000 readings/s. */
const pollIntervalMs = 250;
const metersPerPort = 10;

/**
 * BENCH_MEMORY_RUN_MS and BENCH_MEMORY_BACKLOG override the scale's window and backlog (e.g. the full
 * 1M-record backlog in a short run, for A/B comparisons).
 */
function memoryScale(scale: Scale): Scale {
  const { BENCH_MEMORY_RUN_MS: runMs, BENCH_MEMORY_BACKLOG: backlog } = process.env;
  return {
    ...scale,
    ...(runMs === undefined ? {} : { memoryRunMs: Number(runMs) }),
    ...(backlog === undefined ? {} : { memoryBacklog: Number(backlog) }),
  };
}

export async function memoryFigures(benchScale: Scale): Promise<Figure[]> {
  const scale = memoryScale(benchScale);
  const httpPort = await freePort();
  const { result, seedMs, ports } = await withTcpRig(
    {
      meters: scale.memoryMeters,
      simProcesses: scale.tcpSimProcesses,
      pollIntervalMs,
      warmupMs: 5000,
      windowMs: scale.memoryRunMs,
      seedBacklog: scale.memoryBacklog,
      withUplink: true,
      accounts: true,
      profile: "bench-sdm120",
      metersPerPort,
    },
    (dir, brokerUrl) => {
      const keyFile = join(dir, "command.key");
      writeFileSync(keyFile, "bench-command-key-0123456789abcdef\n", { mode: 0o600 });
      return {
        gateway: `httpPort: ${httpPort}`,
        topLevel:
          brokerUrl === undefined ? [] : [`mqtt: { url: "${brokerUrl}", commandKeyFile: ${keyFile} }`],
      };
    },
    async (rig) => ({
      result: await runService({
        configFile: rig.configFile,
        httpPort,
        warmupMs: 5000,
        windowMs: scale.memoryRunMs,
      }),
      seedMs: rig.seedMs,
      ports: rig.ports,
    }),
  );
  const samples = result.rss.map(([, bytes]) => bytes);
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const growth = mean(samples.slice(-fifth)) - mean(samples.slice(0, fifth));
  const peak = Math.max(...samples);
  const unitEnv = Object.entries(serviceEnvironment())
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const nodeFlags = serviceNodeArgs().join(" ");
  const split = result.rssSplitAtPeak;
  const splitText = `at the peak: ${fmt(split.anon / mb)} MiB anonymous, ${fmt(split.file / mb)} MiB file-backed (node executable, libraries)`;
  const scaleText = `${scale.memoryMeters} meters / ${ports} conns @${pollIntervalMs} ms, ${scale.memoryBacklog.toLocaleString("en-US")} backlog, ${scale.memoryRunMs / 1000} s`;
  const readingsPerSec = (result.readings / result.windowMs) * 1000;
  const cpuShare = result.cpuUs / 1000 / result.windowMs;
  return [
    {
      id: "5a",
      name: "Gateway RSS (peak), meter-gateway run",
      measured: peak / mb,
      unit: "MiB",
      limit: 100,
      limitLabel: "target",
      better: "lower",
      scale: scaleText,
      note: `${fmt(readingsPerSec)} readings/s (of ${fmt((scale.memoryMeters * 1000) / pollIntervalMs)} asked) at ${(cpuShare * 100).toFixed(0)} % of one core; backlog ${result.backlogStart} -> ${result.backlogEnd}; ${splitText}; unit env: ${unitEnv}; node flags: ${nodeFlags}`,
      detail: {
        rss: result.rss,
        rssSplitAtPeak: split,
        readings: result.readings,
        cpuUs: result.cpuUs,
        seedMs,
      },
    },
    {
      id: "5b",
      name: "Gateway RSS growth over the run",
      measured: growth / mb,
      unit: "MiB",
      limit: flatLimitMb,
      limitLabel: "flat (<= 5 MiB)",
      better: "lower",
      scale: scaleText,
    },
  ];
}
