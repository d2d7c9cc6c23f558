/**
 * Figure 1, RS-485 efficiency: 32 meters on one simulated 9600-baud line with line timing and a 5 ms
 * turnaround (the simulator holds each reply back by its wire time, simulator/servers/line-timing.ts),
 * polled by the real gateway as fast as it can (pollIntervalMs 100, far above what the line allows).
 * Achieved polls/s against protocols/modbus/timing.ts for the same baud, register count and turnaround.
 * Then a 33rd, dead unit: how much longer the worst sweep of the live meters gets.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { maxPollsPerSecond, pollTimeMs, t35Ms } from "../../protocols/modbus/timing.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { startSimulator } from "../../simulator/start.ts";
import { tempDir } from "../helpers/index.ts";
import { benchProfilesDir, startGatewayChild, type Figure, type Scale } from "./common.ts";
import type { GatewayChildOptions } from "./gateway-child.ts";

const baudRate = 9600;
const registers = 2;
const turnaroundMs = 5;
const meters = 32;
const timeoutMs = 200;
const retries = 1;

interface Sweep {
  pollsPerSec: number;
  meanSweepMs: number;
  worstSweepMs: number;
}

async function runBus(scale: Scale, withDead: boolean): Promise<Sweep> {
  const profile = requireProfile(loadProfiles(benchProfilesDir), "bench-energy");
  const sim = await startSimulator({
    endpoint: { kind: "rtu-over-tcp", host: "127.0.0.1", port: 0 },
    meters: Array.from({ length: meters }, (_, i) => ({ unit: i + 1, profile })),
    lineTiming: { turnaroundMs },
  });
  const dir = await tempDir("bench-rs485-");
  try {
    const units = Array.from({ length: meters + (withDead ? 1 : 0) }, (_, i) => i + 1);
    const configFile = join(dir.path, "config.yaml");
    writeFileSync(
      configFile,
      [
        `gateway: { id: bench-rs485, dataDir: ${join(dir.path, "data")}, profilesDir: ${benchProfilesDir}, logLevel: warn }`,
        // interFrameGapMs 4: t3.5 at 9600 baud is 4.01 ms; the simulated line enforces the exact value.
        `buses: [{ id: rs485, transport: rtu-over-tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: ${timeoutMs}, interFrameGapMs: 4, retries: ${retries} }]`,
        "meters:",
        ...units.map(
          (u) => `  - { id: m${u}, bus: rs485, unit: ${u}, profile: bench-energy, pollIntervalMs: 100 }`,
        ),
      ].join("\n"),
    );
    const options: GatewayChildOptions = {
      configFile,
      warmupMs: 1500,
      windowMs: scale.rs485WindowMs,
      trackMeters: true,
    };
    const child = startGatewayChild(options);
    const result = await child.result;
    const live = Object.entries(result.meterTimes ?? {}).filter(([id]) => Number(id.slice(1)) <= meters);
    const gaps = live.flatMap(([, times]) => times.slice(1).map((t, i) => t - times[i]!));
    const liveReadings = live.reduce((sum, [, times]) => sum + times.length, 0);
    return {
      pollsPerSec: (liveReadings / result.windowMs) * 1000,
      meanSweepMs: gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length),
      worstSweepMs: Math.max(...gaps),
    };
  } finally {
    await sim.stop();
    await dir.remove();
  }
}

export async function rs485Figures(scale: Scale): Promise<Figure[]> {
  const limit = maxPollsPerSecond(baudRate, registers, turnaroundMs);
  const alive = await runBus(scale, false);
  const dead = await runBus(scale, true);
  // A silent unit holds the line for the reply timeout, then the mandatory t3.5 silence, per attempt.
  const gapMs = t35Ms(baudRate);
  const perAttemptMs = (timeoutMs + gapMs) * (retries + 1);
  const window = `${meters} meters, ${scale.rs485WindowMs / 1000} s`;
  return [
    {
      id: "1a",
      name: "RS-485 polls/s (9600 8N1, N=2, 5 ms turnaround)",
      measured: alive.pollsPerSec,
      unit: "polls/s",
      limit,
      limitLabel: `line limit (${pollTimeMs(baudRate, registers, turnaroundMs).toFixed(2)} ms/poll)`,
      better: "higher",
      pass: 0.95,
      scale: window,
      detail: { alive },
    },
    {
      id: "1b",
      name: "RS-485 extra worst sweep with 1 dead meter",
      measured: dead.worstSweepMs - alive.worstSweepMs,
      unit: "ms",
      limit: perAttemptMs,
      limitLabel: `one dead attempt ((${timeoutMs} + t3.5 ${gapMs.toFixed(1)} ms) x ${retries + 1})`,
      better: "lower",
      scale: `${window}, +1 dead unit`,
      note: `mean sweep ${alive.meanSweepMs.toFixed(0)} -> ${dead.meanSweepMs.toFixed(0)} ms; polls/s ${alive.pollsPerSec.toFixed(1)} -> ${dead.pollsPerSec.toFixed(1)}`,
      detail: { alive, dead },
    },
  ];
}
