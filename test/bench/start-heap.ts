/**
 * The heap `meter-gateway run` holds once started, for A/B comparisons of what it loads (docs/bench.md,
 * "Memory, second round"): the gateway of each checkout given as the bench runs it (its `.bench-build`,
 * made by any `npm run bench` there: the bundle, or tsc's output in checkouts from before it), in the systemd unit's environment and flags, with one Modbus TCP meter on a
 * prepaid account (its slave absent: polls fail, which loads the error paths too) and the uplink
 * connected to a real mosquitto. After `--wait-ms` it collects garbage twice and reports
 * process.memoryUsage(); the checkouts alternate for `--rounds` rounds and the medians are printed.
 * Load from other processes changes when, not what, the modules load, so the figure holds on a busy machine.
 *
 * Usage: node --import tsx test/bench/start-heap.ts [--rounds 3] [--wait-ms 8000] TREE...
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startMosquitto, tempDir } from "../helpers/index.ts";
import { serviceEntry, serviceEnvironment, serviceNodeArgs } from "./common.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args.splice(at, 2)[1]);
};
const rounds = option("--rounds", 3);
const waitMs = option("--wait-ms", 8000);
const trees = args;
if (trees.length === 0) throw new Error("usage: start-heap.ts [--rounds N] [--wait-ms MS] TREE...");

/** Preloaded into the gateway: after waitMs, two full GCs, then memoryUsage() to PROBE_OUT and exit. */
const probeSource = `
import { writeFileSync } from "node:fs";
setTimeout(() => {
  globalThis.gc(); globalThis.gc();
  writeFileSync(process.env.PROBE_OUT, JSON.stringify(process.memoryUsage()));
  process.kill(process.pid, "SIGTERM");
}, ${waitMs});
`;

interface Heap {
  heapUsed: number;
  heapTotal: number;
  rss: number;
}

function siteConfig(dir: string, tree: string, brokerUrl: string, ports: number[]): string {
  const [httpPort, slavePort] = ports;
  return [
    `gateway: { id: start-heap, dataDir: ${join(dir, "data")}, profilesDir: ${join(tree, "test", "bench", "profiles")}, logLevel: warn, httpPort: ${httpPort} }`,
    "buses:",
    `  - { id: tcp0, transport: tcp, host: 127.0.0.1, port: ${slavePort}, timeoutMs: 1000, interFrameGapMs: 0 }`,
    "meters:",
    "  - { id: m0, bus: tcp0, unit: 1, profile: bench-sdm120, account: a0, pollIntervalMs: 250 }",
    'tariffs: [{ id: flat, kind: flat, price: "0.5283" }]',
    "accounts:",
    '  - { id: a0, tariff: flat, balance: "5000.00" }',
    `mqtt: { url: "${brokerUrl}", commandKeyFile: ${join(dir, "command.key")} }`,
  ].join("\n");
}

async function measure(tree: string, brokerUrl: string): Promise<Heap> {
  const dir = await tempDir("start-heap-");
  try {
    writeFileSync(join(dir.path, "command.key"), "bench-command-key-0123456789abcdef\n", { mode: 0o600 });
    writeFileSync(join(dir.path, "probe.mjs"), probeSource);
    const configFile = join(dir.path, "config.yaml");
    writeFileSync(configFile, siteConfig(dir.path, tree, brokerUrl, [await freePort(), await freePort()]));
    const out = join(dir.path, "heap.json");
    const main = serviceEntry(tree);
    const flags = [...serviceNodeArgs(), "--expose-gc", "--import", join(dir.path, "probe.mjs")];
    const child = spawn(process.execPath, [...flags, main, "run", "-c", configFile], {
      cwd: tree,
      env: { ...process.env, ...serviceEnvironment(), PROBE_OUT: out },
      stdio: ["ignore", "ignore", "inherit"],
    });
    await new Promise((resolve) => child.once("exit", resolve));
    return JSON.parse(readFileSync(out, "utf8")) as Heap;
  } finally {
    await dir.remove();
  }
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const broker = await startMosquitto();
try {
  const results = new Map<string, Heap[]>(trees.map((tree) => [tree, []]));
  for (let round = 0; round < rounds; round++) {
    for (const tree of trees) {
      const heap = await measure(tree, broker.url);
      results.get(tree)!.push(heap);
      console.log(
        `${tree}: heapUsed ${mib(heap.heapUsed)} heapTotal ${mib(heap.heapTotal)} rss ${mib(heap.rss)} MiB`,
      );
    }
  }
  for (const [tree, heaps] of results) {
    const used = median(heaps.map((h) => h.heapUsed));
    const total = median(heaps.map((h) => h.heapTotal));
    console.log(`median ${tree}: heapUsed ${mib(used)} heapTotal ${mib(total)} MiB (${heaps.length} runs)`);
  }
} finally {
  await broker.stop();
}
