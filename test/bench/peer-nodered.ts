/**
 * One measured run of the Node-RED peer, the way the peers' run.sh measures it: a flow from
 * peer/make_flow.py (two Modbus-Read nodes per meter, 10 meters per modbus-client = one TCP connection,
 * a function node decoding 6 points and counting), Node-RED headless, its own 1 s `NRPEER {json}` counter
 * lines for readings, and /proc for CPU (utime + stime) and RSS over the window after the warm-up.
 */
import { join } from "node:path";
import { freePort, tempDir, waitFor } from "../helpers/index.ts";
import { spawnOwned, stopOwned } from "../helpers/processes.ts";
import { sleep } from "./common.ts";
import { peerDir, procCpuMicros, procMemBytes } from "./peer-tools.ts";

export interface NodeRedRunOptions {
  /** Node-RED install folder (peer-tools ensureNodeRed). */
  readonly installDir: string;
  readonly slavePort: number;
  readonly meters: number;
  readonly intervalMs: number;
  /** false: `bufferCommands=false` (the client's queue unticked). */
  readonly queue: boolean;
  /** Publish every reading at QoS 1 to mosquitto on this port. */
  readonly mqttPort?: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

/** What one run measured (window only, except `errors` and `bad`: whole run). */
export interface PeerRunResult {
  readings: number;
  points: number;
  windowMs: number;
  cpuUs: number;
  /** Highest VmRSS sampled in the window, bytes. */
  rssPeak: number;
  errors: number;
  /** Readings with wrong values or from the wrong unit id (must be 0 for a valid run). */
  bad: number;
}

interface Counters {
  t: number;
  reads: number;
  points: number;
  errors: number;
  bad: number;
}

/** Runs Node-RED for warm-up + window over the slave and returns the window's figures. */
export async function runNodeRed(options: NodeRedRunOptions): Promise<PeerRunResult> {
  const dir = await tempDir("nodered-run-");
  const flowFile = join(dir.path, "flow.json");
  const flowArgs = [String(options.meters), String(options.slavePort), String(options.intervalMs)];
  if (!options.queue) flowArgs.push("--no-queue");
  if (options.mqttPort !== undefined) flowArgs.push("--mqtt", String(options.mqttPort));
  const maker = await spawnOwned("python3", [join(peerDir, "make_flow.py"), ...flowArgs, "-o", flowFile]);
  if ((await maker.exited) !== 0) throw new Error(`make_flow.py failed: ${maker.output()}`);
  const red = join(options.installDir, "node_modules", "node-red", "red.js");
  const userDir = join(options.installDir, "userdir");
  const env = { NRPEER_FLOW: flowFile, NRPEER_UI_PORT: String(await freePort()) };
  const nodeRed = await spawnOwned(
    process.execPath,
    [red, "-u", userDir, "-s", join(userDir, "settings.js")],
    {
      env,
    },
  );
  const counters: Counters[] = [];
  let buffered = "";
  nodeRed.child.stdout?.on("data", (chunk: Buffer) => {
    const lines = (buffered + chunk.toString("utf8")).split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      const at = line.indexOf(" NRPEER {");
      if (at >= 0) counters.push(JSON.parse(line.slice(at + " NRPEER ".length)) as Counters);
    }
  });
  try {
    await waitFor(() => nodeRed.output().includes("Started flows") || nodeRed.hasExited(), {
      timeoutMs: 120_000,
      intervalMs: 100,
      description: "Node-RED to start its flows",
    });
    if (nodeRed.hasExited()) throw new Error(`Node-RED exited: ${nodeRed.output().slice(-2000)}`);
    await sleep(options.warmupMs);
    return await measure(nodeRed.pid, counters, options.windowMs);
  } finally {
    await stopOwned(nodeRed, 10_000);
    await dir.remove();
  }
}

async function measure(pid: number, counters: Counters[], windowMs: number): Promise<PeerRunResult> {
  const first = counters.length;
  const cpuStart = procCpuMicros(pid);
  const t0 = performance.now();
  let rssPeak = procMemBytes(pid, "VmRSS");
  while (performance.now() - t0 < windowMs) {
    await sleep(Math.min(1000, windowMs - (performance.now() - t0)));
    rssPeak = Math.max(rssPeak, procMemBytes(pid, "VmRSS"));
  }
  const cpuUs = procCpuMicros(pid) - cpuStart;
  // The counter lines inside the window: Node-RED's own timestamps give the rate.
  const inWindow = counters.slice(Math.max(0, first - 1));
  const a = inWindow[0];
  const b = inWindow.at(-1);
  if (a === undefined || b === undefined || b.t <= a.t) throw new Error("Node-RED logged no counters");
  const perMs = (key: "reads" | "points") => (b[key] - a[key]) / (b.t - a.t);
  const measuredMs = performance.now() - t0;
  return {
    readings: perMs("reads") * measuredMs,
    points: perMs("points") * measuredMs,
    windowMs: measuredMs,
    cpuUs,
    rssPeak,
    errors: b.errors,
    bad: b.bad,
  };
}
