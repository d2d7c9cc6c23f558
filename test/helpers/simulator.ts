/**
 * Simulator helpers for simulator, integration and e2e tests: a simulator started in-process from a
 * scenario document, a client for its control interface, meter-sim as a child process, and mbpoll.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Clock } from "../../core/clock.ts";
import { parseScenario } from "../../simulator/scenario/load.ts";
import { startScenario, type RunningScenario } from "../../simulator/scenario/start-scenario.ts";
import type { ScenarioInput } from "../../simulator/scenario/schema.ts";
import { requireTool, waitFor } from "./index.ts";
import { spawnOwned, stopOwned, type OwnedProcess } from "./processes.ts";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const meterSimMain = fileURLToPath(new URL("../../simulator/cli/main.ts", import.meta.url));
export const scenariosDir = fileURLToPath(new URL("../../simulator/scenarios/", import.meta.url));

/** Starts a scenario document in this process, with the control interface on a free port. */
export async function startInProcess(
  scenario: ScenarioInput,
  options: { baseClock?: Clock; control?: boolean } = {},
): Promise<RunningScenario & { api: ControlClient }> {
  const running = await startScenario(parseScenario(scenario, "test scenario", repoRoot), {
    ...(options.baseClock === undefined ? {} : { baseClock: options.baseClock }),
    controlPort: options.control === false ? null : 0,
  });
  return Object.assign(running, { api: controlClient(running.controlUrl ?? "http://127.0.0.1:1") });
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export interface ControlClient {
  get<T = unknown>(path: string): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  delete<T = unknown>(path: string): Promise<ApiResponse<T>>;
  /** Like post, but fails the test unless the answer is 2xx. */
  ok<T = unknown>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T>;
}

/** A plain fetch client for the control interface (what any test tool would use). */
export function controlClient(baseUrl: string): ControlClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> => {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  return {
    get: <T>(path: string) => call<T>("GET", path),
    post: <T>(path: string, body?: unknown) => call<T>("POST", path, body ?? {}),
    delete: <T>(path: string) => call<T>("DELETE", path),
    async ok<T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown) {
      const response = await call<T>(method, path, body);
      if (response.status >= 300)
        throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
  };
}

/**
 * Swaps the meter at `unit` the way a technician does, through the control interface: it leaves the
 * bus, another meter (serial `serialNumber`, register `energyWh` Wh) takes its address, and the bus
 * answers again. Off the bus in between, so no poll reads half the old meter and half the new;
 * `whileOffline` runs before the new meter arrives (e.g. to wait until a poll went unanswered).
 */
export async function swapMeter(
  api: ControlClient,
  unit: number,
  replacement: { serialNumber: number; energyWh: number },
  whileOffline: () => Promise<unknown> = () => Promise.resolve(),
): Promise<void> {
  await api.ok("POST", `/meters/${unit}/faults`, { kind: "offline" });
  await whileOffline();
  await api.ok("POST", `/meters/${unit}/faults`, { kind: "meter-replaced", ...replacement });
  await api.ok("DELETE", `/meters/${unit}/faults/offline`);
}

/** A running `meter-sim` child process. */
export interface MeterSimProcess {
  readonly process: OwnedProcess;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | string>;
}

/**
 * Spawns `meter-sim ARGS` and waits until it prints its "Ctrl-C stops" line: from source under tsx, or
 * `entry` (an installed `bin/meter-sim.js`) under plain node.
 */
export async function startMeterSim(args: string[], entry?: string): Promise<MeterSimProcess> {
  const script = entry === undefined ? ["--import", "tsx", meterSimMain] : [entry];
  const owned = await spawnOwned(process.execPath, [...script, ...args]);
  try {
    await waitFor(
      () => {
        if (owned.hasExited()) throw new Error(`meter-sim exited:\n${owned.output()}`);
        return owned.output().includes("Ctrl-C stops");
      },
      { timeoutMs: 15_000, intervalMs: 20, description: "meter-sim to start" },
    );
  } catch (error) {
    await stopOwned(owned);
    throw new Error(`meter-sim ${args.join(" ")} did not start:\n${owned.output()}`, { cause: error });
  }
  return {
    process: owned,
    output: () => owned.output(),
    async stop() {
      await stopOwned(owned, 5000);
      return owned.exited;
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (never rejects on a non-zero exit). */
export function run(file: string, args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: repoRoot, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `meter-sim ARGS` to completion (errors, ctl calls). */
export function runMeterSim(args: string[]): Promise<RunResult> {
  return run(process.execPath, ["--import", "tsx", meterSimMain, ...args]);
}

/** Runs mbpoll, the Modbus master we did not write. */
export function mbpoll(args: string[]): Promise<RunResult> {
  return run(requireTool("mbpoll"), args, 10_000);
}

/** The `[ref]: value` lines mbpoll prints, as numbers by reference. */
export function mbpollValues(stdout: string): Map<number, number> {
  const values = new Map<number, number>();
  for (const match of stdout.matchAll(/^\[(\d+)\]:\s+(-?[\d.e+-]+)/gm))
    values.set(Number(match[1]), Number(match[2]));
  return values;
}
