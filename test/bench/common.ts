/**
 * Shared parts of the bench: the figure record every bench file returns, child processes that report one
 * JSON line, and the run's scale (`--quick` shrinks counts and durations, and says so in the table).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { besideModules } from "../../deploy/beside-modules.ts";
import type { GatewayChildOptions, GatewayChildResult } from "./gateway-child.ts";

/** This file's directory: test/bench, or .bench-build/test/bench when running compiled. */
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot =
  basename(dirname(dirname(here))) === ".bench-build" ? join(here, "..", "..", "..") : join(here, "..", "..");
/** The bench's sources (test/bench), also when running compiled. */
export const benchDir = join(repoRoot, "test", "bench");
export const benchProfilesDir = join(benchDir, "profiles");

/** One row of the table: a measured figure beside its physical limit or target. */
export interface Figure {
  /** "1a", "2b" ... */
  id: string;
  name: string;
  measured: number;
  unit: string;
  /** The limit or target the figure is compared with. */
  limit: number;
  limitLabel: string;
  /** "higher": measured/limit should be >= `pass`; "lower": measured should be <= limit. */
  better: "higher" | "lower";
  /** For "higher" figures: the ratio measured/limit that passes (0.95 for 95 %). Default 1. */
  pass?: number;
  /** Scale actually used, e.g. "32 meters, 10 s". */
  scale: string;
  /** Anything a reader needs to interpret the number. */
  note?: string;
  /** Extra measurements kept in the JSON. */
  detail?: Record<string, unknown>;
}

export function ratioOf(figure: Figure): number {
  if (figure.limit === 0) return Number.NaN;
  return figure.measured / figure.limit;
}

export function verdictOf(figure: Figure): "ok" | "SHORT" {
  if (!Number.isFinite(figure.measured)) return "SHORT";
  const ratio = ratioOf(figure);
  return figure.better === "higher"
    ? ratio >= (figure.pass ?? 1)
      ? "ok"
      : "SHORT"
    : figure.measured <= figure.limit
      ? "ok"
      : "SHORT";
}

/** Counts and durations of one run. */
export interface Scale {
  quick: boolean;
  rs485WindowMs: number;
  tcpMeters: number;
  tcpSimProcesses: number;
  tcpWindowMs: number;
  ingestRows: number;
  backlog: number;
  memoryMeters: number;
  memoryRunMs: number;
  memoryBacklog: number;
  cutMeters: number;
}

export function scaleFor(quick: boolean): Scale {
  return quick
    ? {
        quick,
        rs485WindowMs: 6_000,
        tcpMeters: 1000,
        tcpSimProcesses: 2,
        tcpWindowMs: 6_000,
        ingestRows: 30_000,
        backlog: 50_000,
        memoryMeters: 1000,
        memoryRunMs: 20_000,
        memoryBacklog: 50_000,
        cutMeters: 3,
      }
    : {
        quick,
        rs485WindowMs: 20_000,
        tcpMeters: 1000,
        tcpSimProcesses: 2,
        tcpWindowMs: 20_000,
        ingestRows: 100_000,
        backlog: 1_000_000,
        memoryMeters: 1000,
        memoryRunMs: 600_000,
        memoryBacklog: 1_000_000,
        cutMeters: 5,
      };
}

/** Prefix of the one stdout line a bench child reports its result on. */
export const resultPrefix = "BENCH_RESULT ";

/** Writes a child's result line (children call this once). */
export function reportResult(result: unknown): void {
  process.stdout.write(`${resultPrefix}${JSON.stringify(result)}\n`);
}

/** Where {@link buildChildren} compiles the child scripts and everything they import (git-ignored). */
export const childBuildDir = join(repoRoot, ".bench-build");

/**
 * Compiles the child scripts (and the gateway, simulator and protocol modules they import) to plain
 * JavaScript with tsc, so the processes under measurement run the way a deployed gateway runs: plain
 * node on compiled code, without tsx's loader in their memory. Incremental: a second run recompiles only
 * what changed. The service itself ({@link serviceEntry}) is built by `npm run build`'s own script
 * (deploy/build.ts) and staged in `.bench-build/app` as installed, so the figures measure what ships.
 */
export function buildChildren(): void {
  execFileSync(
    process.execPath,
    [
      join(repoRoot, "node_modules", "typescript", "bin", "tsc"),
      "-p",
      join(benchDir, "tsconfig.children.json"),
    ],
    { cwd: repoRoot, stdio: "inherit" },
  );
  // Files the compiled children read beside their modules: the built-in profiles and the local web page.
  for (const folder of besideModules)
    cpSync(join(repoRoot, ...folder), join(childBuildDir, ...folder), { recursive: true });
  stageApp();
}

/** Where {@link buildChildren} stages the app as deploy/install.sh lays it out: bin/, dist/, package.json. */
const appDir = join(childBuildDir, "app");

function stageApp(): void {
  execFileSync(
    process.execPath,
    ["--import", "tsx", join(repoRoot, "deploy", "build.ts"), "--out-dir", join(appDir, "dist")],
    { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] },
  );
  cpSync(join(repoRoot, "bin"), join(appDir, "bin"), { recursive: true });
  cpSync(join(repoRoot, "package.json"), join(appDir, "package.json"));
}

/**
 * The gateway's entry as the unit starts it (`bin/meter-gateway.js`, staged by {@link buildChildren})
 * in the checkout `tree`; for a checkout from before the bundle (A/B runs against an older tree), its
 * tsc-compiled `gateway/cli/main.js`.
 */
export function serviceEntry(tree: string = repoRoot): string {
  const staged = join(tree, ".bench-build", "app", "bin", "meter-gateway.js");
  return existsSync(staged) ? staged : join(tree, ".bench-build", "gateway", "cli", "main.js");
}

/**
 * The environment the systemd unit gives the service (its `Environment=` lines in
 * deploy/meter-gateway.service: NODE_ENV, the V8 heap flags in NODE_OPTIONS, glibc's malloc arenas),
 * so the gateway under measurement runs as it does in the field. BENCH_SERVICE_NODE_OPTIONS, when set,
 * replaces the unit's NODE_OPTIONS (A/B runs of V8 flags without editing the unit).
 */
export function serviceEnvironment(): Record<string, string> {
  const unit = readFileSync(join(repoRoot, "deploy", "meter-gateway.service"), "utf8");
  const env: Record<string, string> = {};
  for (const line of unit.split("\n")) {
    if (!line.startsWith("Environment=")) continue;
    // systemd syntax: space-separated assignments, each optionally in double quotes.
    for (const match of line.slice("Environment=".length).matchAll(/"([^"]*)"|(\S+)/g)) {
      const assignment = match[1] ?? match[2] ?? "";
      const eq = assignment.indexOf("=");
      if (eq > 0) env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
    }
  }
  const override = process.env.BENCH_SERVICE_NODE_OPTIONS;
  if (override !== undefined) env.NODE_OPTIONS = override;
  return env;
}

/**
 * The node flags the systemd unit's `ExecStart=` gives the service, between `@NODE@` and the script
 * (V8 flags that NODE_OPTIONS refuses, such as `--optimize-for-size`), so the gateway under measurement
 * runs with them too.
 */
export function serviceNodeFlags(): string[] {
  const unit = readFileSync(join(repoRoot, "deploy", "meter-gateway.service"), "utf8");
  const match = /^ExecStart=@NODE@ (.*?)\s*@APP_DIR@\//m.exec(unit);
  return (match?.[1] ?? "").split(" ").filter((flag) => flag !== "");
}

/**
 * Node flags of the gateway under measurement: the unit's ({@link serviceNodeFlags}) and
 * BENCH_NODE_ARGS (space-separated, for A/B runs of flags NODE_OPTIONS refuses).
 */
export function serviceNodeArgs(): string[] {
  const extra = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter((flag) => flag !== "");
  return [...serviceNodeFlags(), ...extra];
}

/** A child process of the bench, compiled by {@link buildChildren}, that reports `BENCH_RESULT {json}` and `ready` lines. */
export interface BenchChild<T> {
  readonly process: ChildProcess;
  /** Resolves on the first `ready ...` line with the rest of that line. */
  readonly ready: Promise<string>;
  /** Resolves with the reported result when the child exits (rejects on a missing result). */
  readonly result: Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `script` (a .ts file in test/bench, run from its {@link buildChildren} output) with `args`. */
export function startChild<T>(
  script: string,
  args: string[],
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): BenchChild<T> {
  const compiled = join(childBuildDir, "test", "bench", script.replace(/\.ts$/, ".js"));
  const child = spawn(process.execPath, [...nodeArgs, compiled, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let onReady: (line: string) => void = () => undefined;
  const ready = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    child.once("exit", (code) =>
      reject(new Error(`${script} exited (${code}) before ready: ${stderr.slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined);
  let readySeen = false;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (!readySeen) {
      const match = /^ready ?(.*)$/m.exec(stdout);
      if (match !== null) {
        readySeen = true;
        onReady(match[1] ?? "");
      }
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const result = exited.then((code) => {
    const line = stdout.split("\n").find((l) => l.startsWith(resultPrefix));
    if (line === undefined)
      throw new Error(`${script} exited (${code}) without a result: ${stderr.slice(-2000)}`);
    return JSON.parse(line.slice(resultPrefix.length)) as T;
  });
  result.catch(() => undefined);
  return {
    process: child,
    ready,
    result,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** CPU time of this process since `since`, µs (user + system). */
export function cpuMicros(since?: NodeJS.CpuUsage): number {
  const usage = process.cpuUsage(since);
  return usage.user + usage.system;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rounds for display: 3 significant digits, no exponent. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/**
 * Starts the gateway under measurement in the systemd unit's environment ({@link serviceEnvironment})
 * and with its node flags plus BENCH_NODE_ARGS ({@link serviceNodeArgs}).
 * BENCH_CPU_PROF=<dir> adds `--cpu-prof` (one profile per gateway child in that directory).
 */
export function startGatewayChild(options: GatewayChildOptions): BenchChild<GatewayChildResult> {
  const profDir = process.env.BENCH_CPU_PROF;
  const profile = profDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profDir}`];
  return startChild<GatewayChildResult>(
    "gateway-child.ts",
    [JSON.stringify(options)],
    [...serviceNodeArgs(), ...profile],
    serviceEnvironment(),
  );
}
