/**
 * `npm run bench -- --peer`: the gateway beside Node-RED + node-red-contrib-modbus (issue 13), on the same
 * libmodbus slave, same topology: 1,000 SDM120-style meters on 100 Modbus TCP connections (unit ids 1-10
 * each), two FC 04 blocks (0x0000 x 0x4C and 0x0156 x 2) decoded into 6 points, every meter polled every
 * `BENCH_PEER_INTERVAL_MS` (default 250 ms: 4,000 readings/s). Figures: points per CPU-second (the
 * gateway stores every reading in SQLite; Node-RED keeps nothing), the same with every reading published
 * at QoS 1 to a real mosquitto, RSS, and the ceiling of each system (P3, peer-ceiling.ts). The systems run one after another, round after round
 * (interleaved, so drift of this shared machine hits all of them alike); the table quotes medians.
 * The gateway is `meter-gateway run` compiled, in the systemd unit's environment (service-process.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startMosquitto, tempDir } from "../helpers/index.ts";
import { benchProfilesDir, fmt, startGatewayChild, type Figure, type Scale } from "./common.ts";
import { runNodeRed, type PeerRunResult } from "./peer-nodered.ts";
import { buildFastslave, ensureNodeRed, procMemBytes, startFastslave } from "./peer-tools.ts";
import { ceilingFigure, type CeilingStep, type CeilingSystem } from "./peer-ceiling.ts";
import { runService } from "./service-process.ts";

const meters = 1000;
const unitsPerConnection = 10;
/**
 * `maxInFlight` of the gateway's buses: BENCH_PEER_MAX_IN_FLIGHT (1..64), default 10, one request of
 * each unit id on the connection. Node-RED's queue-off mode sends every poll at once and matches the
 * replies by transaction id (up to 256 in flight per socket), and the libmodbus slave answers requests
 * that arrive together in turn: the gateway keeps several in flight on it too, as a site whose TCP
 * devices take them would be configured (README, `maxInFlight`). 1 measures one request
 * at a time, the config's default.
 */
const gatewayMaxInFlight = Number(process.env.BENCH_PEER_MAX_IN_FLIGHT ?? "10");
const pointsPerReading = 6;
const mib = 1024 * 1024;

type System = "gateway" | "nodered" | "nodered-noq";
const systems: readonly System[] = ["gateway", "nodered", "nodered-noq"];
const label: Record<System, string> = {
  gateway: "meter-gateway",
  nodered: "Node-RED default (queue on)",
  "nodered-noq": "Node-RED queue off",
};

interface RunShape {
  readonly slavePort: number;
  /** Meters polled, 10 per connection; default 1,000. */
  readonly meters?: number;
  readonly mqttUrl?: string;
  readonly intervalMs: number;
  readonly warmupMs: number;
  readonly windowMs: number;
}

/** The gateway over the slave: 100 TCP buses to the same port, unit ids 1-10 each, bench-sdm120. */
async function runGateway(shape: RunShape): Promise<PeerRunResult> {
  const dir = await tempDir("bench-peer-");
  try {
    const httpPort = await freePort();
    const lines = [
      `gateway: { id: bench-peer, dataDir: ${join(dir.path, "data")}, profilesDir: ${benchProfilesDir}, logLevel: warn, httpPort: ${httpPort} }`,
      "buses:",
    ];
    const count = shape.meters ?? meters;
    const connections = Math.ceil(count / unitsPerConnection);
    for (let c = 0; c < connections; c++)
      lines.push(
        `  - { id: c${c}, transport: tcp, host: 127.0.0.1, port: ${shape.slavePort}, timeoutMs: 1000, interFrameGapMs: 0, maxInFlight: ${gatewayMaxInFlight} }`,
      );
    lines.push("meters:");
    for (let i = 0; i < count; i++) {
      const bus = Math.floor(i / unitsPerConnection);
      const unit = (i % unitsPerConnection) + 1;
      lines.push(
        `  - { id: c${bus}u${unit}, bus: c${bus}, unit: ${unit}, profile: bench-sdm120, pollIntervalMs: ${shape.intervalMs} }`,
      );
    }
    // BENCH_PEER_MQTT_OPTIONS: extra keys of the gateway's mqtt section (A/B runs of a tuning key).
    const extra = process.env.BENCH_PEER_MQTT_OPTIONS;
    if (shape.mqttUrl !== undefined)
      lines.push(`mqtt: { url: "${shape.mqttUrl}"${extra === undefined ? "" : `, ${extra}`} }`);
    const configFile = join(dir.path, "config.yaml");
    writeFileSync(configFile, lines.join("\n"));
    if (process.env.BENCH_PEER_GATEWAY === "child") return await runGatewayChild(configFile, shape);
    const result = await runService({
      configFile,
      httpPort,
      warmupMs: shape.warmupMs,
      windowMs: shape.windowMs,
    });
    return {
      readings: result.readings,
      points: result.readings * pointsPerReading,
      windowMs: result.windowMs,
      cpuUs: result.cpuUs,
      rssPeak: Math.max(...result.rss.map(([, bytes]) => bytes)),
      errors: result.failedPolls,
      bad: 0,
    };
  } finally {
    await dir.remove();
  }
}

/**
 * BENCH_PEER_GATEWAY=child: the same config in gateway-child.ts instead of `meter-gateway run`, for its
 * BENCH_ALLOC_PROF and BENCH_HEAP_SNAPSHOT hooks (no HTTP API then).
 */
async function runGatewayChild(configFile: string, shape: RunShape): Promise<PeerRunResult> {
  const result = await startGatewayChild({ configFile, warmupMs: shape.warmupMs, windowMs: shape.windowMs })
    .result;
  return {
    readings: result.readings,
    points: result.points,
    windowMs: result.windowMs,
    cpuUs: result.cpuUserUs + result.cpuSystemUs,
    rssPeak: Math.max(...result.rss.map(([, bytes]) => bytes)),
    errors: 0,
    bad: 0,
  };
}

type Results = Record<System, PeerRunResult[]>;

/** BENCH_PEER_SYSTEMS=gateway (comma list) runs only those systems (profiling one side). */
const selected = (process.env.BENCH_PEER_SYSTEMS ?? systems.join(",")).split(",");
/** BENCH_PEER_PARTS=published: only P2 (comma list of stored, published, ceiling). */
const parts = (process.env.BENCH_PEER_PARTS ?? "stored,published,ceiling").split(",");
/** Warm-up and window of each step of the ceiling (P3). */
const ceilingWindows = { warmupMs: 6000, windowMs: 10_000 };

const median = (xs: number[]) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const perCpuSecond = (r: PeerRunResult) => r.points / (r.cpuUs / 1e6);

async function runRounds(mqtt: boolean, shape: Omit<RunShape, "mqttUrl">, rounds: number): Promise<Results> {
  const installDir = selected.some((s) => s !== "gateway") ? ensureNodeRed() : "";
  const broker = mqtt ? await startMosquitto() : undefined;
  const mqttPort = broker === undefined ? undefined : Number(new URL(broker.url).port);
  const results: Results = { gateway: [], nodered: [], "nodered-noq": [] };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const system of systems.filter((s) => selected.includes(s))) {
        process.stderr.write(
          `[bench]   peer round ${round + 1}/${rounds}: ${label[system]}${mqtt ? " + QoS 1" : ""}\n`,
        );
        const run =
          system === "gateway"
            ? await runGateway({ ...shape, ...(broker === undefined ? {} : { mqttUrl: broker.url }) })
            : await runNodeRed({
                installDir,
                slavePort: shape.slavePort,
                meters,
                intervalMs: shape.intervalMs,
                queue: system === "nodered",
                ...(mqttPort === undefined ? {} : { mqttPort }),
                warmupMs: shape.warmupMs,
                windowMs: shape.windowMs,
              });
        results[system].push(run);
      }
    }
  } finally {
    await broker?.stop();
  }
  return results;
}

function figuresOf(id: string, title: string, results: Results, scaleText: string): Figure[] {
  const pps = (s: System) => median(results[s].map(perCpuSecond));
  const rss = (s: System) => median(results[s].map((r) => r.rssPeak)) / mib;
  const rate = (s: System) => median(results[s].map((r) => (r.readings / r.windowMs) * 1000));
  const invalid = systems.filter((s) => results[s].some((r) => r.bad > 0));
  const gw = pps("gateway");
  const peers = (["nodered", "nodered-noq"] as const)
    .map(
      (s) =>
        `${label[s]} ${fmt(pps(s))} (gateway ${(gw / pps(s)).toFixed(2)}x), ${fmt(rate(s))} rd/s, RSS ${fmt(rss(s))} MiB`,
    )
    .join("; ");
  const runs = systems
    .map((s) => `${s}: ${results[s].map((r) => fmt(perCpuSecond(r))).join(", ")}`)
    .join("; ");
  return [
    {
      id: `${id}a`,
      name: `Peer: points per CPU-second, ${title}`,
      measured: gw,
      unit: "points/CPU-s",
      limit: 2 * pps("nodered-noq"),
      limitLabel: "2x Node-RED queue off, same run",
      better: "higher",
      scale: scaleText,
      note: `gateway ${fmt(rate("gateway"))} rd/s; ${peers}; runs: ${runs}${invalid.length > 0 ? `; BAD VALUES in ${invalid.join(", ")}` : ""}`,
      detail: { results },
    },
    {
      id: `${id}b`,
      name: `Peer: RSS (peak in window), ${title}`,
      measured: rss("gateway"),
      unit: "MiB",
      limit: 100,
      limitLabel: "target",
      better: "lower",
      scale: scaleText,
      note: `Node-RED default ${fmt(rss("nodered"))} MiB, queue off ${fmt(rss("nodered-noq"))} MiB`,
    },
  ];
}

/** The peer figures P1 (stored) and P2 (stored and published at QoS 1). */
export async function peerFigures(scale: Scale): Promise<Figure[]> {
  const binary = buildFastslave();
  const intervalMs = Number(process.env.BENCH_PEER_INTERVAL_MS ?? "250");
  const rounds = Number(process.env.BENCH_PEER_ROUNDS ?? (scale.quick ? "1" : "3"));
  const warmupMs = scale.quick ? 8000 : 10_000;
  const windowMs = scale.quick ? 15_000 : 40_000;
  const slave = await startFastslave(binary, 6 * rounds * ((warmupMs + windowMs) / 1000 + 120) + 900);
  try {
    const shape = { slavePort: slave.port, intervalMs, warmupMs, windowMs };
    const scaleText = `${meters} meters @${intervalMs} ms, 100 conns x 10 units, gateway maxInFlight ${gatewayMaxInFlight}, ${rounds} round(s) of ${windowMs / 1000} s`;
    const figures: Figure[] = [];
    if (parts.includes("stored"))
      figures.push(
        ...figuresOf("P1", "every reading stored", await runRounds(false, shape, rounds), scaleText),
      );
    if (parts.includes("published"))
      figures.push(
        ...figuresOf(
          "P2",
          "+ every reading published at QoS 1",
          await runRounds(true, shape, rounds),
          scaleText,
        ),
      );
    if (parts.includes("ceiling")) {
      const run = (system: CeilingSystem, step: CeilingStep) =>
        system === "gateway"
          ? runGateway({ ...shape, ...step, ...ceilingWindows })
          : runNodeRed({
              installDir: ensureNodeRed(),
              slavePort: slave.port,
              ...step,
              queue: false,
              ...ceilingWindows,
            });
      figures.push(await ceilingFigure(run));
    }
    const slaveRss = procMemBytes(slave.process.pid, "VmRSS") / mib;
    process.stderr.write(`[bench]   fastslave RSS ${slaveRss.toFixed(1)} MiB\n`);
    return figures;
  } finally {
    await slave.stop();
  }
}
