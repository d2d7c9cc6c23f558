/**
 * Figure 6, cut latency: generic-prepaid meters drawing 20 kW at 10 yuan/kWh with small balances (so
 * credit runs out a few seconds apart), polled every 1000 ms by the gateway child, cut policy without
 * notice or friendly periods. Latency = the time the simulator saw the relay-open write minus the
 * completion time (readings.at_ms) of the first reading whose charge took the balance to 0 or below.
 * Limit: one poll interval + 1 s.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { startSimulator } from "../../simulator/start.ts";
import { tempDir } from "../helpers/index.ts";
import { sleep, startGatewayChild, type Figure, type Scale } from "./common.ts";
import type { GatewayChildOptions } from "./gateway-child.ts";

const pollIntervalMs = 1000;
const powerW = 20_000;

export async function cutLatencyFigures(scale: Scale): Promise<Figure[]> {
  const profile = requireProfile(loadProfiles(), "generic-prepaid");
  const meters = scale.cutMeters;
  const sim = await startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port: 0 },
    meters: Array.from({ length: meters }, (_, i) => ({ unit: i + 1, profile, powerW })),
  });
  const dir = await tempDir("bench-cut-");
  try {
    const dataDir = join(dir.path, "data");
    const configFile = join(dir.path, "config.yaml");
    writeFileSync(
      configFile,
      [
        `gateway: { id: bench-cut, dataDir: ${dataDir}, logLevel: warn }`,
        `buses: [{ id: tcp, transport: tcp, host: 127.0.0.1, port: ${sim.port}, timeoutMs: 500 }]`,
        "meters:",
        ...Array.from(
          { length: meters },
          (_, i) =>
            `  - { id: m${i}, bus: tcp, unit: ${i + 1}, profile: generic-prepaid, account: a${i}, pollIntervalMs: ${pollIntervalMs} }`,
        ),
        'tariffs: [{ id: t, kind: flat, price: "10.0" }]',
        "accounts:",
        // 20 kW at 10 yuan/kWh is 0.0556 yuan/s: balances 0.2, 0.4 ... run out every ~3.6 s.
        ...Array.from(
          { length: meters },
          (_, i) =>
            `  - { id: a${i}, tariff: t, balance: "${(0.2 * (i + 1)).toFixed(2)}", alarm1: "0", alarm2: "0" }`,
        ),
        "policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 60 }",
      ].join("\n"),
    );
    const deadlineMs = 10_000 + meters * 4_000;
    const options: GatewayChildOptions = { configFile, warmupMs: 0, windowMs: deadlineMs };
    const child = startGatewayChild(options);
    await child.ready;
    const cutSeenAt = new Map<number, number>();
    const started = Date.now();
    while (cutSeenAt.size < meters && Date.now() - started < deadlineMs) {
      for (const ref of sim.simulation.meters()) {
        if (!ref.meter.relayClosed && !cutSeenAt.has(ref.meter.unit))
          cutSeenAt.set(ref.meter.unit, Date.now());
      }
      await sleep(2);
    }
    await child.stop();
    await child.result.catch(() => undefined);
    const db = new Database(join(dataDir, "gateway.db"), { readonly: true });
    const latencies: number[] = [];
    try {
      for (let i = 0; i < meters; i++) {
        const row = db
          .prepare(
            `SELECT r.at_ms AS atMs FROM ledger l JOIN readings r ON r.id = l.reading_id
             WHERE l.account_id = ? AND l.kind = 'charge' AND l.balance_after_e7 <= 0 ORDER BY l.id LIMIT 1`,
          )
          .get(`a${i}`) as { atMs: number } | undefined;
        const seen = cutSeenAt.get(i + 1);
        if (row !== undefined && seen !== undefined) latencies.push(seen - row.atMs);
      }
    } finally {
      db.close();
    }
    const worst = latencies.length === meters ? Math.max(...latencies) : Number.NaN;
    return [
      {
        id: "6",
        name: "Cut latency, exhausting reading -> relay write at meter (max)",
        measured: worst,
        unit: "ms",
        limit: pollIntervalMs + 1000,
        limitLabel: "poll interval + 1 s",
        better: "lower",
        scale: `${meters} meters cut, poll ${pollIntervalMs} ms`,
        note: `each: ${latencies.map((l) => l.toFixed(0)).join(", ")} ms; ${cutSeenAt.size}/${meters} cut`,
        detail: { latencies },
      },
    ];
  } finally {
    await sim.stop();
    await dir.remove();
  }
}
