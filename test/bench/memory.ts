/**
 * Figure 5, memory: `meter-gateway run` itself (compiled, in the systemd unit's environment, see
 * service-process.ts) with 1,000 generic-prepaid TCP meters polled every second, every meter on a
 * prepaid account, its local HTTP API, a backlog on disk, and its Uplink draining that backlog to
 * mosquitto at the default pace. RSS sampled every second: the peak, and the growth between the first
 * and the last fifth of the run (after a 5 s warm-up).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/index.ts";
import { fmt, serviceEnvironment, type Figure, type Scale } from "./common.ts";
import { runService } from "./service-process.ts";
import { withTcpRig } from "./tcp.ts";

const mb = 1024 * 1024;
/** "Flat": growth over the run within 5 % of the 100 MB budget. */
const flatLimitMb = 5;

export async function memoryFigures(scale: Scale): Promise<Figure[]> {
  const httpPort = await freePort();
  const { result, seedMs } = await withTcpRig(
    {
      meters: scale.memoryMeters,
      simProcesses: scale.tcpSimProcesses,
      pollIntervalMs: 1000,
      warmupMs: 5000,
      windowMs: scale.memoryRunMs,
      seedBacklog: scale.memoryBacklog,
      withUplink: true,
      accounts: true,
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
  const scaleText = `${scale.memoryMeters} meters @1 s, ${scale.memoryBacklog.toLocaleString("en-US")} backlog, ${scale.memoryRunMs / 1000} s`;
  const readingsPerSec = (result.readings / result.windowMs) * 1000;
  const cpuShare = result.cpuUs / 1000 / result.windowMs;
  return [
    {
      id: "5a",
      name: "Gateway RSS (peak), meter-gateway run",
      measured: peak / mb,
      unit: "MB",
      limit: 100,
      limitLabel: "target",
      better: "lower",
      scale: scaleText,
      note: `${fmt(readingsPerSec)} readings/s at ${(cpuShare * 100).toFixed(0)} % of one core; backlog ${result.backlogStart} -> ${result.backlogEnd}; unit env: ${unitEnv}`,
      detail: { rss: result.rss, readings: result.readings, cpuUs: result.cpuUs, seedMs },
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
