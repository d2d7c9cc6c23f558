/**
 * The gateway exactly as the systemd unit runs it: `meter-gateway run -c FILE` from the bundle
 * `npm run build` makes (built by the bench, see common.ts buildChildren), in the unit's environment. Measured from outside, like a field
 * technician would: RSS and CPU time from /proc, readings and backlog from its own /metrics endpoint.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../helpers/index.ts";
import {
  childBuildDir,
  repoRoot,
  serviceEntry,
  serviceEnvironment,
  serviceNodeArgs,
  sleep,
} from "./common.ts";

export interface ServiceRunOptions {
  configFile: string;
  /** The config's gateway.httpPort. */
  httpPort: number;
  warmupMs: number;
  windowMs: number;
  /** RSS sampling period, ms; default 1000. */
  rssSampleMs?: number;
}

export interface ServiceRunResult {
  /** Successful polls in the window (meter_gateway_polls_total{outcome="ok"}). */
  readings: number;
  /** Failed polls in the window (meter_gateway_polls_total{outcome="error"}). */
  failedPolls: number;
  windowMs: number;
  /** User + system CPU time in the window, µs (/proc/PID/stat, 10 ms resolution). */
  cpuUs: number;
  /** [ms since the window started, RSS bytes]. */
  rss: Array<[number, number]>;
  /** /proc/PID/status at the highest RSS sample: anonymous, file-backed and shared pages, bytes. */
  rssSplitAtPeak: RssSplit;
  /** Outbox records not yet delivered, at the start and the end of the window. */
  backlogStart: number;
  backlogEnd: number;
  pid: number;
}

const clockTicksPerSec = 100;

/** Resident memory of a process by kind (/proc/PID/status), bytes. */
export interface RssSplit {
  total: number;
  /** Heap, stacks, malloc: what the process itself allocated. */
  anon: number;
  /** Mapped files: the `node` executable and shared libraries (shared with other processes). */
  file: number;
  shmem: number;
}

function rssSplit(pid: number): RssSplit {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
    if (match === null) throw new Error(`no ${field} for pid ${pid}`);
    return Number(match[1]) * 1024;
  };
  return { total: kib("VmRSS"), anon: kib("RssAnon"), file: kib("RssFile"), shmem: kib("RssShmem") };
}

/**
 * Profiling hooks of the service: BENCH_CPU_PROF=<dir> (a CPU profile, written when it exits on
 * SIGTERM), BENCH_HEAP_SNAPSHOT=<dir> (a heap snapshot at the end of the window, on SIGUSR2) and
 * BENCH_MEMORY_SPLIT=<dir> (memory-probe.ts preloaded: process.memoryUsage() every second), after
 * the unit's own node flags and BENCH_NODE_ARGS ({@link serviceNodeArgs}).
 */
function profilingFlags(): string[] {
  const flags = serviceNodeArgs();
  const { BENCH_CPU_PROF: cpu, BENCH_HEAP_SNAPSHOT: heap, BENCH_MEMORY_SPLIT: split } = process.env;
  if (cpu !== undefined) flags.push("--cpu-prof", `--cpu-prof-dir=${cpu}`);
  if (heap !== undefined) flags.push("--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${heap}`);
  if (split !== undefined) flags.push("--import", join(childBuildDir, "test", "bench", "memory-probe.js"));
  return flags;
}

function cpuMicros(pid: number): number {
  // Fields after the command name (which may contain spaces) start at ") ": utime and stime are 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / clockTicksPerSec;
}

/** Sums the samples of `metric` in Prometheus text (optionally only those whose labels match). */
export function sumMetric(text: string, metric: string, labelFilter?: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${metric}{`) && !line.startsWith(`${metric} `)) continue;
    if (labelFilter !== undefined && !line.includes(labelFilter)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

async function scrape(port: number): Promise<{ readings: number; failedPolls: number; backlog: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  return {
    readings: sumMetric(text, "meter_gateway_polls_total", 'outcome="ok"'),
    failedPolls: sumMetric(text, "meter_gateway_polls_total", 'outcome="error"'),
    backlog: sumMetric(text, "meter_gateway_outbox_backlog"),
  };
}

/** Runs the service for warm-up plus window, then stops it with SIGTERM as systemd does. */
export async function runService(options: ServiceRunOptions): Promise<ServiceRunResult> {
  const child = spawn(
    process.execPath,
    [...profilingFlags(), serviceEntry(), "run", "-c", options.configFile],
    {
      cwd: repoRoot,
      env: { ...process.env, ...serviceEnvironment() },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const pid = child.pid;
  if (pid === undefined) throw new Error("meter-gateway run did not start");
  try {
    await waitFor(
      async () => {
        if (exitCode !== undefined) throw new Error(`meter-gateway run exited (${exitCode}): ${stderr}`);
        return (await fetch(`http://127.0.0.1:${options.httpPort}/metrics`)).ok;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: "meter-gateway run to serve /metrics" },
    ).catch((error: unknown) => {
      throw exitCode === undefined ? error : new Error(`meter-gateway run exited (${exitCode}): ${stderr}`);
    });
    await sleep(options.warmupMs);
    const start = await scrape(options.httpPort);
    const cpuStart = cpuMicros(pid);
    const t0 = performance.now();
    let peak = rssSplit(pid);
    const rss: Array<[number, number]> = [[0, peak.total]];
    const period = options.rssSampleMs ?? 1000;
    while (performance.now() - t0 < options.windowMs) {
      await sleep(Math.min(period, options.windowMs - (performance.now() - t0)));
      if (exitCode !== undefined) throw new Error(`meter-gateway run exited (${exitCode}): ${stderr}`);
      const split = rssSplit(pid);
      if (split.total > peak.total) peak = split;
      rss.push([performance.now() - t0, split.total]);
    }
    const windowMs = performance.now() - t0;
    const cpuUs = cpuMicros(pid) - cpuStart;
    const end = await scrape(options.httpPort);
    if (process.env.BENCH_HEAP_SNAPSHOT !== undefined) {
      child.kill("SIGUSR2");
      // Writing the snapshot stops the process; /metrics answers again when it is done.
      await sleep(1000);
      await waitFor(async () => (await scrape(options.httpPort).catch(() => undefined)) !== undefined, {
        timeoutMs: 120_000,
        intervalMs: 500,
        description: "meter-gateway run to answer after its heap snapshot",
      });
    }
    return {
      readings: end.readings - start.readings,
      failedPolls: end.failedPolls - start.failedPolls,
      windowMs,
      cpuUs,
      rss,
      rssSplitAtPeak: peak,
      backlogStart: start.backlog,
      backlogEnd: end.backlog,
      pid,
    };
  } finally {
    if (exitCode === undefined) {
      child.kill("SIGTERM");
      const stopped = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
      if (!stopped) child.kill("SIGKILL");
    }
  }
}
