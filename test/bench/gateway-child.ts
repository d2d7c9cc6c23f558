/**
 * The gateway under measurement, in its own process so its CPU time and RSS are its own: the real
 * Gateway (composition root) from a config file, optionally the real Uplink on its store (over a backlog
 * the parent seeded into the data dir beforehand, as a gateway finds one after an outage). Prints `ready`, waits `warmupMs`, measures for `windowMs` (or until SIGTERM),
 * then prints one `BENCH_RESULT {json}` line and stops cleanly.
 *
 * Usage (compiled by the bench, see common.ts buildChildren):
 *   node .bench-build/test/bench/gateway-child.js '<GatewayChildOptions as JSON>'
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { SystemClock } from "../../core/clock.ts";
import { createLogger, silentLogger } from "../../core/logger.ts";
import type { Reading } from "../../gateway/metering/reading.ts";
import { createExecutor } from "../../gateway/service/command-executor.ts";
import type { MeterDirectory } from "../../gateway/service/ports.ts";
import { Gateway } from "../../gateway/service/gateway.ts";
import { mqttConfigSchema } from "../../gateway/config/mqtt.ts";
import { Uplink } from "../../gateway/uplink/uplink.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { loadConfigFile } from "../../gateway/cli/config-file.ts";
import { reportResult, sleep } from "./common.ts";

export interface GatewayChildOptions {
  configFile: string;
  warmupMs: number;
  /** Measurement window; SIGTERM ends it early. */
  windowMs: number;
  /** Keep every reading's time per meter (small meter counts only). */
  trackMeters?: boolean;
  /** Run the Uplink against this broker. */
  uplinkUrl?: string;
  /** RSS sampling period, ms; default 1000. */
  rssSampleMs?: number;
  /** Count the bus transactions (ok and failed) of every meter in the window. */
  countTransactions?: boolean;
}

export interface GatewayChildResult {
  readings: number;
  points: number;
  windowMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /** [ms since the window started, RSS bytes]. */
  rss: Array<[number, number]>;
  heapUsedEnd: number;
  /** process.memoryUsage() at the end: where RSS goes (heap, external buffers, array buffers). */
  memoryEnd?: NodeJS.MemoryUsage;
  backlogStart?: number;
  backlogEnd?: number;
  /** Per meter: reading completion times (ms since window start), when tracked. */
  meterTimes?: Record<string, number[]>;
  /** Bus transactions of all meters in the window, when counted. */
  transactions?: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as GatewayChildOptions;
const loaded = await loadConfigFile(options.configFile);
const config = loaded.config;
const clock = new SystemClock();

const logger = process.env.BENCH_GATEWAY_LOG === "1" ? createLogger({ level: "warn" }) : silentLogger();
const gateway = new Gateway(config, {
  clock,
  logger,
  transportFactory: modbusTransportFactory,
  profiles: loadProfiles(config.gateway.profilesDir),
});

/** Transactions so far, ok and failed, over every meter (the executor's port is the meter directory). */
function transactionsSoFar(): number {
  const directory = gateway.executorPorts().meters as MeterDirectory;
  return config.meters.reduce((sum, meter) => {
    const counters = directory.live(meter.id);
    return sum + counters.ok + Object.values(counters.errors).reduce((a, b) => a + b, 0);
  }, 0);
}

let measuring = false;
let windowStart = 0;
let readings = 0;
let points = 0;
const meterTimes: Record<string, number[]> = {};
gateway.events.on("reading", (reading: Reading) => {
  if (!measuring) return;
  readings++;
  points += Object.keys(reading.values).length;
  if (options.trackMeters === true)
    (meterTimes[reading.meterId] ??= []).push(performance.now() - windowStart);
});

await gateway.start();
let uplink: Uplink | undefined;
if (options.uplinkUrl !== undefined) {
  uplink = new Uplink({
    config: mqttConfigSchema.parse({ url: options.uplinkUrl, clientId: `bench-${process.pid}` }),
    gatewayId: config.gateway.id,
    store: gateway.store,
    clock,
    logger,
    version: "0.0.0-bench",
    statusProvider: () => ({ meters: { total: config.meters.length, online: 0, offline: 0 } }),
    // The gateway's own executor, as gateway.ts wires it (no command is sent during a bench).
    executor: createExecutor(gateway.executorPorts()),
  });
  await uplink.start();
}
process.stdout.write("ready\n");

let stopRequested = false;
let wake: () => void = () => undefined;
process.on("SIGTERM", () => {
  stopRequested = true;
  wake();
});
const wait = (ms: number) => Promise.race([sleep(ms), new Promise<void>((resolve) => (wake = resolve))]);

if (!stopRequested) await wait(options.warmupMs);
const backlogStart = uplink === undefined ? undefined : gateway.store.outbox.backlogCount();
const transactionsStart = options.countTransactions === true ? transactionsSoFar() : 0;
const cpuStart = process.cpuUsage();
windowStart = performance.now();
measuring = true;
// BENCH_ALLOC_PROF=<dir>: where the window's allocations come from, including objects the GC already
// collected (what the garbage collector's share of CPU is made of).
const allocSession = process.env.BENCH_ALLOC_PROF === undefined ? undefined : new Session();
if (allocSession !== undefined) {
  allocSession.connect();
  await allocSession.post("HeapProfiler.startSampling", {
    samplingInterval: 16384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
const rss: Array<[number, number]> = [[0, process.memoryUsage.rss()]];
const sampler = setInterval(
  () => rss.push([performance.now() - windowStart, process.memoryUsage.rss()]),
  options.rssSampleMs ?? 1000,
);
if (!stopRequested) await wait(options.windowMs);
measuring = false;
const transactions = options.countTransactions === true ? transactionsSoFar() - transactionsStart : undefined;
const cpu = process.cpuUsage(cpuStart);
const windowMs = performance.now() - windowStart;
clearInterval(sampler);
rss.push([windowMs, process.memoryUsage.rss()]);
// BENCH_HEAP_SNAPSHOT=<dir>: what holds the heap at the end of the window (for figure 5's analysis).
if (process.env.BENCH_HEAP_SNAPSHOT !== undefined) {
  const { writeHeapSnapshot } = await import("node:v8");
  writeHeapSnapshot(join(process.env.BENCH_HEAP_SNAPSHOT, `gateway-${process.pid}.heapsnapshot`));
}
const result: GatewayChildResult = {
  readings,
  points,
  windowMs,
  cpuUserUs: cpu.user,
  cpuSystemUs: cpu.system,
  rss,
  heapUsedEnd: process.memoryUsage().heapUsed,
  memoryEnd: process.memoryUsage(),
  ...(backlogStart === undefined ? {} : { backlogStart, backlogEnd: gateway.store.outbox.backlogCount() }),
  ...(options.trackMeters === true ? { meterTimes } : {}),
  ...(transactions === undefined ? {} : { transactions }),
};
if (allocSession !== undefined && process.env.BENCH_ALLOC_PROF !== undefined) {
  const { profile } = await allocSession.post("HeapProfiler.stopSampling");
  writeFileSync(
    join(process.env.BENCH_ALLOC_PROF, `alloc-${process.pid}.heapprofile`),
    JSON.stringify(profile),
  );
}
reportResult(result);
await uplink?.stop();
await gateway.stop();
process.exit(0);
