/**
 * Figure 2, Modbus TCP throughput: 1,000 bench-sdm120 meters (the peer comparison's reading: two FC 04
 * blocks, 6 points) on 100 simulator ports of 10 unit ids in 2 processes (one gateway bus per port, as
 * the peer's 100 connections), each on a prepaid account, polled every 100 ms (the config minimum, far
 * above what they can deliver), so the gateway runs flat out. Decoded points/s per CPU core of the gateway process (user + system),
 * and CPU µs per meter reading (one reading = 2 Modbus transactions + store + charge).
 * Also used by figure 5 (memory) with a realistic poll interval, the uplink and a backlog.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startMosquitto, tempDir } from "../helpers/index.ts";
import { SystemClock } from "../../core/clock.ts";
import { openStore } from "../../gateway/store/index.ts";
import {
  benchProfilesDir,
  startChild,
  startGatewayChild,
  type BenchChild,
  type Figure,
  type Scale,
} from "./common.ts";
import type { GatewayChildOptions, GatewayChildResult } from "./gateway-child.ts";
import { seedBacklog } from "./seed.ts";

export interface TcpRunOptions {
  meters: number;
  simProcesses: number;
  pollIntervalMs: number;
  warmupMs: number;
  windowMs: number;
  seedBacklog?: number;
  withUplink?: boolean;
  /** With accounts (the charge path) for every meter. */
  accounts: boolean;
  /** Meter profile (builtin or test/bench/profiles); default generic-prepaid. */
  profile?: string;
  /** Meters (unit ids 1..N) per simulator port, one gateway bus (TCP connection) each; default 125. */
  metersPerPort?: number;
}

/**
 * `maxInFlight` of every bus of the TCP rig: BENCH_TCP_MAX_IN_FLIGHT (1..64), default 1 (the config
 * default), to compare pipelined Modbus TCP against one request at a time in the same figures.
 */
export const tcpMaxInFlight = Number(process.env.BENCH_TCP_MAX_IN_FLIGHT ?? "1");

/** What {@link withTcpRig} hands the process under measurement. */
export interface TcpRig {
  /** The gateway config: buses, meters, accounts (and what `extraConfig` added). */
  configFile: string;
  /** Temp dir of this run (removed afterwards). */
  dir: string;
  /** Mosquitto, when `withUplink`. */
  brokerUrl?: string;
  /** Simulator ports (one bus each). */
  ports: number;
  /** How long seeding the backlog took, ms. */
  seedMs?: number;
}

/**
 * Starts simulator processes and mosquitto, writes a gateway config over them (plus `extraConfig`
 * lines under `gateway:` and at the top level), seeds the backlog, runs `body`, and cleans up.
 */
export async function withTcpRig<T>(
  options: TcpRunOptions,
  extraConfig: (dir: string, brokerUrl: string | undefined) => { gateway?: string; topLevel?: string[] },
  body: (rig: TcpRig) => Promise<T>,
): Promise<T> {
  const dir = await tempDir("bench-tcp-");
  const profile = options.profile ?? "generic-prepaid";
  const portsNeeded = Math.ceil(options.meters / (options.metersPerPort ?? 125));
  const perProcess = Math.ceil(portsNeeded / options.simProcesses);
  const perPort = Math.ceil(options.meters / portsNeeded);
  const sims: Array<BenchChild<unknown>> = [];
  const broker = options.withUplink === true ? await startMosquitto() : undefined;
  try {
    for (let left = portsNeeded; left > 0; left -= perProcess) {
      sims.push(startChild("sim-child.ts", [String(Math.min(perProcess, left)), String(perPort), profile]));
    }
    const ports = (await Promise.all(sims.map((s) => s.ready))).flatMap((line) =>
      line.split(",").map(Number),
    );
    const extra = extraConfig(dir.path, broker?.url);
    const lines = [
      `gateway: { id: bench-tcp, dataDir: ${join(dir.path, "data")}, profilesDir: ${benchProfilesDir}, logLevel: warn${extra.gateway === undefined ? "" : `, ${extra.gateway}`} }`,
      "buses:",
      ...ports.map(
        (port, i) =>
          `  - { id: tcp${i}, transport: tcp, host: 127.0.0.1, port: ${port}, timeoutMs: 1000, interFrameGapMs: 0, maxInFlight: ${tcpMaxInFlight} }`,
      ),
      "meters:",
    ];
    let n = 0;
    for (let i = 0; i < ports.length && n < options.meters; i++) {
      for (let unit = 1; unit <= perPort && n < options.meters; unit++, n++) {
        const account = options.accounts ? `, account: a${n}` : "";
        lines.push(
          `  - { id: m${n}, bus: tcp${i}, unit: ${unit}, profile: ${profile}${account}, pollIntervalMs: ${options.pollIntervalMs} }`,
        );
      }
    }
    if (options.accounts) {
      lines.push('tariffs: [{ id: flat, kind: flat, price: "0.5283" }]', "accounts:");
      for (let a = 0; a < options.meters; a++)
        lines.push(`  - { id: a${a}, tariff: flat, balance: "5000.00" }`);
    }
    lines.push(...(extra.topLevel ?? []));
    const configFile = join(dir.path, "config.yaml");
    writeFileSync(configFile, lines.join("\n"));
    // The backlog is seeded here, not in the process under measurement, so its memory holds only
    // what a gateway that restarts with a backlog on disk holds.
    let seedMs: number | undefined;
    if (options.seedBacklog !== undefined && options.seedBacklog > 0) {
      const store = openStore({ dataDir: join(dir.path, "data"), clock: new SystemClock() });
      try {
        seedMs = seedBacklog(store, options.seedBacklog);
      } finally {
        store.close();
      }
    }
    return await body({
      configFile,
      dir: dir.path,
      ports: ports.length,
      ...(broker === undefined ? {} : { brokerUrl: broker.url }),
      ...(seedMs === undefined ? {} : { seedMs }),
    });
  } finally {
    await Promise.all(sims.map((s) => s.stop()));
    await broker?.stop();
    await dir.remove();
  }
}

/** Starts simulators and a gateway child over them; returns the child's result. */
export function runTcpGateway(options: TcpRunOptions): Promise<GatewayChildResult & { ports: number }> {
  return withTcpRig(
    options,
    () => ({}),
    async (rig) => {
      const childOptions: GatewayChildOptions = {
        configFile: rig.configFile,
        warmupMs: options.warmupMs,
        windowMs: options.windowMs,
        ...(rig.brokerUrl === undefined ? {} : { uplinkUrl: rig.brokerUrl }),
      };
      const result = await startGatewayChild(childOptions).result;
      return { ...result, ports: rig.ports };
    },
  );
}

export async function tcpFigures(scale: Scale): Promise<Figure[]> {
  const result = await runTcpGateway({
    meters: scale.tcpMeters,
    simProcesses: scale.tcpSimProcesses,
    pollIntervalMs: 100,
    warmupMs: 3000,
    windowMs: scale.tcpWindowMs,
    accounts: true,
    // The peer comparison's topology and reading (issue 13): 100 connections of 10 unit ids, two FC 04
    // blocks (0x0000 x 0x4C, 0x0156 x 2) decoded into 6 points.
    profile: "bench-sdm120",
    metersPerPort: 10,
  });
  const cpuUs = result.cpuUserUs + result.cpuSystemUs;
  const pointsPerCoreSec = result.points / (cpuUs / 1e6);
  const usPerReading = cpuUs / Math.max(1, result.readings);
  const utilisation = cpuUs / 1000 / result.windowMs;
  const scaleText = `${scale.tcpMeters} meters, ${result.ports} conns x 10 units, ${scale.tcpSimProcesses} sim procs, ${scale.tcpWindowMs / 1000} s, maxInFlight ${tcpMaxInFlight}`;
  const detail = {
    ...result,
    rss: undefined,
    pointsPerSecWall: (result.points / result.windowMs) * 1000,
    utilisation,
  };
  return [
    {
      id: "2a",
      name: "Modbus TCP decoded points/s per gateway core",
      measured: pointsPerCoreSec,
      unit: "points/core-s",
      limit: 100_000,
      limitLabel: "target",
      better: "higher",
      scale: scaleText,
      note: `${((result.readings / result.windowMs) * 1000).toFixed(0)} readings/s wall, gateway at ${(utilisation * 100).toFixed(0)} % of one core`,
      detail,
    },
    {
      id: "2b",
      name: "CPU per meter reading (6 points, 2 transactions, stored and charged)",
      measured: usPerReading,
      unit: "µs",
      limit: (6 / 100_000) * 1e6,
      limitLabel: "target (100k points/core-s)",
      better: "lower",
      scale: scaleText,
    },
  ];
}
