/**
 * The Modbus TCP poll path alone, without store, billing or uplink: the real Poller, BusScheduler,
 * ModbusMeterDriver and MBAP client polling `bench-sdm120` meters (the peer comparison's two FC 04 blocks)
 * on the libmodbus slave of the peer figures (fastslave, its own process), `connections` x 10 units,
 * every meter every `intervalMs`. After 4 s of warm-up it measures `seconds`: this process's CPU per
 * reading, and what the garbage collector did per 1,000 readings (minor and major collections and their
 * pause time, from perf_hooks' `gc` entries). Run it with the unit's heap flags to see the poll path as
 * the service runs it; the collections per reading are the same on a loaded machine, where CPU is not.
 *
 * PROBE_ALLOC=<file>: a sampling allocation profile of the window (objects already collected included),
 * for `node /tmp/...` or DevTools. PROBE_STAGGER=1: the connections' meters start spread over one
 * interval instead of all at once (a poll then waits for none of the others: see "ms per poll").
 *
 * Usage, compiled as the service runs (tsx's loader adds a wrapper to every closure it names):
 *   node node_modules/typescript/bin/tsc -p test/bench/tsconfig.children.json
 *   node --max-semi-space-size=1 --optimize-for-size .bench-build/test/bench/poll-path-probe.js \
 *        [connections=100] [seconds=15] [intervalMs=250] [maxInFlight=1]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { SystemClock } from "../../core/clock.ts";
import { Poller, type PolledMeter } from "../../gateway/bus/poller.ts";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { ModbusMeterDriver } from "../../gateway/metering/modbus-driver.ts";
import { parseProfile } from "../../protocols/profiles/load.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import { MbapTcpTransport } from "../../protocols/modbus/transport/mbap-client.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { benchDir } from "./common.ts";
import { buildFastslave, startFastslave } from "./peer-tools.ts";

const argument = (index: number, fallback: number) => Number(process.argv[2 + index] ?? fallback);
const connections = argument(0, 100);
const seconds = argument(1, 15);
const intervalMs = argument(2, 250);
const maxInFlight = argument(3, 1);
const unitsPerConnection = 10;
const warmUpMs = 4000;

/** Read or write syscalls of this process so far (/proc/self/io `syscr`, `syscw`: sockets included). */
function syscalls(kind: "syscr" | "syscw"): number {
  const io = readFileSync("/proc/self/io", "utf8");
  return Number(new RegExp(`^${kind}: (\\d+)$`, "m").exec(io)?.[1] ?? 0);
}

const profile = parseProfile(
  readFileSync(join(benchDir, "profiles", "bench-sdm120.yaml"), "utf8"),
  "bench-sdm120.yaml",
) as ResolvedProfile;
const clock = new SystemClock();
const slave = await startFastslave(buildFastslave(), seconds + warmUpMs / 1000 + 30);

let readings = 0;
let failures = 0;
let durationSum = 0;
const gc = { minor: 0, major: 0, pauseMs: 0 };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor += 1;
    else gc.major += 1;
    gc.pauseMs += entry.duration;
  }
});

const buses = Array.from({ length: connections }, (_, c) => {
  const transport = new MbapTcpTransport({ kind: "tcp", host: "127.0.0.1", port: slave.port });
  const scheduler = new BusScheduler<ModbusTransport>(transport, {
    busId: `c${c}`,
    clock,
    timeoutMs: 1000,
    interFrameGapMs: 0,
    maxInFlight,
  });
  const meters = Array.from({ length: unitsPerConnection }, (_, u): PolledMeter<ModbusTransport> => ({
    id: `m${c}-${u + 1}`,
    unit: u + 1,
    pollIntervalMs: intervalMs,
    driver: new ModbusMeterDriver(profile, u + 1, { clock }),
  }));
  const stagger = process.env.PROBE_STAGGER === "1";
  const poller = new Poller(scheduler, stagger ? [] : meters, {
    busId: `c${c}`,
    clock,
    retries: 1,
    onReading: (reading) => {
      readings += 1;
      durationSum += reading.durationMs;
    },
    onPollError: () => (failures += 1),
  });
  return { scheduler, poller, meters };
});

try {
  if (process.env.PROBE_STAGGER === "1")
    buses.forEach((bus, i) =>
      setTimeout(
        () => {
          for (const meter of bus.meters) bus.poller.addMeter(meter);
          bus.poller.start();
        },
        (i * intervalMs) / connections,
      ),
    );
  else for (const bus of buses) bus.poller.start();
  await new Promise((resolve) => setTimeout(resolve, warmUpMs));
  observer.observe({ entryTypes: ["gc"] });
  const allocFile = process.env.PROBE_ALLOC;
  const session = allocFile === undefined ? undefined : new Session();
  session?.connect();
  await session?.post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const readingsStart = readings;
  const durationStart = durationSum;
  const writesStart = syscalls("syscw");
  const readsStart = syscalls("syscr");
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpu = process.cpuUsage(cpuStart);
  const elapsed = (performance.now() - started) / 1000;
  const n = readings - readingsStart;
  const writes = syscalls("syscw") - writesStart;
  const reads = syscalls("syscr") - readsStart;
  observer.disconnect();
  if (session !== undefined && allocFile !== undefined) {
    const { profile } = await session.post("HeapProfiler.stopSampling");
    writeFileSync(allocFile, JSON.stringify(profile));
  }
  const perK = (x: number) => ((x * 1000) / n).toFixed(2);
  process.stdout.write(
    `${connections} conns x ${unitsPerConnection} units @${intervalMs} ms, maxInFlight ${maxInFlight}: ` +
      `${(n / elapsed).toFixed(0)} readings/s, ${((cpu.user + cpu.system) / n).toFixed(1)} µs CPU/reading ` +
      `(${(cpu.system / n).toFixed(1)} of it in the kernel); ` +
      `per 1,000 readings: ${perK(gc.minor)} minor GCs, ${perK(gc.major)} major, ` +
      `${perK(gc.pauseMs)} ms GC pause, ${perK(writes)} write and ${perK(reads)} read syscalls; ${failures} failed polls; ` +
      `${((durationSum - durationStart) / n).toFixed(2)} ms per poll\n`,
  );
} finally {
  for (const bus of buses) bus.poller.stop();
  await Promise.all(buses.map((bus) => bus.scheduler.stop()));
  await slave.stop();
}
