/**
 * The peer comparison's outside parts: the libmodbus slave both systems poll (test/bench/peer/fastslave.c,
 * compiled into a cache folder outside git, installing libmodbus-dev with apt when missing, as the peers'
 * build.sh does) and Node-RED with node-red-contrib-modbus (installed from the npm registry by
 * test/bench/peer/nodered-setup.sh into a temporary folder, never into this project's package.json).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "../helpers/index.ts";
import { spawnOwned, stopOwned, type OwnedProcess } from "../helpers/processes.ts";
import { benchDir } from "./common.ts";

/** The vendored peer harness (origin: the session's shared/peers folder). */
export const peerDir = join(benchDir, "peer");

/** Where compiled peer binaries live: `$XDG_CACHE_HOME/meter-gateway-bench` or ~/.cache/... */
export function peerCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  const dir = join(base, "meter-gateway-bench");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Node-RED's install folder: `$BENCH_NODERED_DIR`, default `<tmpdir>/meter-gateway-nodered-peer`. */
export function nodeRedDir(): string {
  return process.env.BENCH_NODERED_DIR ?? join(tmpdir(), "meter-gateway-nodered-peer");
}

function hasLibmodbus(): boolean {
  try {
    execFileSync("pkg-config", ["--exists", "libmodbus"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles fastslave (gcc -O2, libmodbus) unless the cached binary is newer than its source.
 * @returns the binary's path
 * @throws when libmodbus-dev is missing and cannot be installed (not root, or apt fails)
 */
export function buildFastslave(): string {
  const source = join(peerDir, "fastslave.c");
  const binary = join(peerCacheDir(), "fastslave");
  if (existsSync(binary) && statSync(binary).mtimeMs > statSync(source).mtimeMs) return binary;
  if (!hasLibmodbus()) {
    if (process.getuid?.() !== 0) throw new Error("need libmodbus-dev: apt-get install libmodbus-dev");
    process.stderr.write("[bench] installing libmodbus-dev (apt) ...\n");
    try {
      execFileSync("apt-get", ["install", "-y", "libmodbus-dev"], { stdio: "ignore" });
    } catch {
      execFileSync("apt-get", ["update"], { stdio: "ignore" });
      execFileSync("apt-get", ["install", "-y", "libmodbus-dev"], { stdio: "ignore" });
    }
  }
  const flags = execFileSync("pkg-config", ["--cflags", "--libs", "libmodbus"], { encoding: "utf8" });
  execFileSync("gcc", ["-O2", "-Wall", "-Wextra", "-o", binary, source, ...flags.trim().split(/\s+/)], {
    stdio: "inherit",
  });
  return binary;
}

/** Installs Node-RED and node-red-contrib-modbus (setup.sh is a no-op when the versions are there). */
export function ensureNodeRed(): string {
  const dir = nodeRedDir();
  process.stderr.write(`[bench] Node-RED peer in ${dir} (npm install on first use) ...\n`);
  execFileSync("bash", [join(peerDir, "nodered-setup.sh")], {
    env: { ...process.env, NODERED_PEER: dir },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return dir;
}

/** A running fastslave on 127.0.0.1. */
export interface Fastslave {
  readonly port: number;
  readonly process: OwnedProcess;
  stop(): Promise<void>;
}

/**
 * Starts fastslave on a free loopback port; it also stops itself after `maxSeconds`.
 * @param maxSeconds 1..86400
 */
export async function startFastslave(binary: string, maxSeconds: number): Promise<Fastslave> {
  const port = await freePort();
  const owned = await spawnOwned(binary, [String(port), String(Math.ceil(maxSeconds))]);
  await waitForPort(port);
  return { port, process: owned, stop: () => stopOwned(owned) };
}

/** utime + stime of a process, µs (/proc/PID/stat; 10 ms resolution). */
export function procCpuMicros(pid: number): number {
  const stat = readProc(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
}

/** A `Vm...:` line of /proc/PID/status in bytes (VmRSS, VmHWM). */
export function procMemBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readProc(`/proc/${pid}/status`));
  return match === null ? 0 : Number(match[1]) * 1024;
}

function readProc(path: string): string {
  return readFileSync(path, "utf8");
}
