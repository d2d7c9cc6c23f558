/**
 * `meter-gateway run` as a child process, the way the fault suite and the field-fault regression tests
 * drive it: a config written into a temp dir, an optional wrapper (faketime) and environment, and the
 * local API for what a technician would look at (/healthz, /status, /metrics).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gatewayCli } from "./run-cli.ts";
import { freePort, tempDir, waitFor, type TempDir } from "./index.ts";
import { spawnOwned, type OwnedProcess } from "./processes.ts";

/** What {@link startService} needs: the config text, built from the paths and port it chose. */
export interface ServiceOptions {
  /** The YAML config; `dataDir` and `httpPort` are the ones the service must use. */
  readonly config: (parts: { dataDir: string; httpPort: number; dir: string }) => string;
  /** Command and arguments put before `node` (e.g. `["faketime", "-f", "+0"]`); default none. */
  readonly wrapper?: readonly string[];
  /** Extra environment for the child. */
  readonly env?: Readonly<Record<string, string>>;
  /** Reuse this directory (a restart on the same database) instead of a new temp dir. */
  readonly dir?: TempDir;
  /** Wait until /healthz answers; default true. */
  readonly waitReady?: boolean;
  /**
   * A built entry (an installed `bin/meter-gateway.js`) run under plain node as the unit runs it;
   * default the source CLI under tsx.
   */
  readonly entry?: string;
}

/** /healthz as served. */
export interface Health {
  readonly status: "ok" | "degraded";
  readonly reasons: readonly string[];
}

/** A running service and the ways to look at it. */
export interface ServiceUnderTest {
  readonly process: OwnedProcess;
  readonly dir: TempDir;
  readonly dataDir: string;
  readonly configFile: string;
  readonly httpPort: number;
  /** The database file. */
  readonly dbFile: string;
  health(): Promise<Health>;
  /** GET /status, parsed. */
  status(): Promise<Record<string, unknown>>;
  /** GET /metrics, as text. */
  metrics(): Promise<string>;
  /** SIGTERM; resolves with the exit code and how long the stop took (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<{ code: number | string; stopMs: number }>;
  /** SIGKILL, resolves once it is gone. */
  kill(): Promise<void>;
}

/** Starts `meter-gateway run -c <config>`, from source under tsx unless `options.entry` is given. */
export async function startService(options: ServiceOptions): Promise<ServiceUnderTest> {
  const dir = options.dir ?? (await tempDir("fault-"));
  const dataDir = join(dir.path, "data");
  const httpPort = await freePort();
  const configFile = join(dir.path, "config.yaml");
  writeFileSync(configFile, options.config({ dataDir, httpPort, dir: dir.path }));
  const script = options.entry === undefined ? ["--import", "tsx", gatewayCli] : [options.entry];
  const node = [process.execPath, ...script, "run", "-c", configFile];
  const [command, ...args] = [...(options.wrapper ?? []), ...node];
  const child = await spawnOwned(command!, args, { env: options.env });
  const base = `http://127.0.0.1:${httpPort}`;
  const get = async (path: string): Promise<Response> =>
    fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
  const service: ServiceUnderTest = {
    process: child,
    dir,
    dataDir,
    configFile,
    httpPort,
    dbFile: join(dataDir, "gateway.db"),
    health: async () => (await (await get("/healthz")).json()) as Health,
    status: async () => (await (await get("/status")).json()) as Record<string, unknown>,
    metrics: async () => (await get("/metrics")).text(),
    stop: async (graceMs = 10_000) => {
      const started = performance.now();
      if (!child.hasExited()) child.child.kill("SIGTERM");
      const timer = setTimeout(() => child.child.kill("SIGKILL"), graceMs);
      try {
        const code = await child.exited;
        return { code, stopMs: Math.round(performance.now() - started) };
      } finally {
        clearTimeout(timer);
      }
    },
    kill: async () => {
      if (!child.hasExited()) child.child.kill("SIGKILL");
      await child.exited;
    },
  };
  if (options.waitReady ?? true) {
    await waitFor(
      async () => {
        if (child.hasExited()) throw new Error(`meter-gateway run exited:\n${child.output()}`);
        return (await get("/healthz").catch(() => undefined)) !== undefined;
      },
      { timeoutMs: 20_000, description: "the service's local API" },
    );
  }
  return service;
}

/** `meter_gateway_polls_total{meter,outcome="ok"}` from a /metrics text; 0 when absent. */
export function okPolls(metrics: string, meterId = "m1"): number {
  const line = metrics
    .split("\n")
    .find(
      (l) =>
        l.startsWith("meter_gateway_polls_total{") &&
        l.includes(`meter="${meterId}"`) &&
        l.includes('outcome="ok"'),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}
