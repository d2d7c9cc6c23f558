/**
 * A restart in the middle of a disk-full episode (issue 10, defect 2, as test/faults/scenarios/disk-full.ts
 * drives it), on a real SQLite file: the first process ran only seconds, its last readings were never
 * stored, and the second one stores its first reading seconds after it started, when its monotonic clock
 * may already read more than the first process's did at its last stored reading. Whatever the uptime and
 * however slow the restart, the gap is a restart, not a clock step or a spike: every Wh the register
 * moved is charged, once, and no anomaly is raised or held.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { parseConfig } from "../config/index.ts";
import type { Reading } from "../metering/reading.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { PrepaidEngine } from "./engine.ts";
import { ingestInto } from "../../test/helpers/billing/engine-rig.ts";
import { compilePrepaidSettings } from "./settings.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

const parsed = parseConfig(
  `gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters: [{ id: m1, bus: b1, unit: 1, profile: p, account: a1, pollIntervalMs: 100 }]
accounts: [{ id: a1, tariff: flat, balance: "1000.00" }]
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]`,
  { baseDir: "/", profileNames: () => new Set(["p"]) },
);
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const settings = compilePrepaidSettings(parsed.config);

/** The simulated meter of the disk-full scenario: 30 kW from 500 kWh, on a real-time register. */
const powerW = 30_000;
const startWh = 500_000;
const startWallMs = Date.UTC(2026, 0, 5, 12);
const registerAt = (wallMs: number) => startWh + Math.floor((powerW * (wallMs - startWallMs)) / 3_600_000);

/** One process of the gateway on `dataDir`: its own engine, store connection and monotonic clock. */
function processOn(dataDir: string, clock: ManualClock) {
  const store = temp.open({ dataDir, clock });
  const engine = new PrepaidEngine({
    store,
    clock,
    logger: silentLogger(),
    settings,
    relay: { writeRelay: () => Promise.resolve(), readRelay: () => Promise.resolve(true) },
    hasRelay: () => false,
  });
  engine.start();
  const ingest = ingestInto(store, engine);
  const read = (): Reading => ({
    meterId: "m1",
    busId: "b1",
    unit: 1,
    wallMs: clock.now(),
    // performance.now(): fractional, from near 0 at process start.
    monoMs: clock.monotonicMs() + 0.4187,
    values: { importEnergyWh: registerAt(clock.now()), powerW },
    quality: [],
    durationMs: 5,
  });
  /** Polls every 100 ms for `ms`; stores (ingests) the readings only when `stored`. */
  const poll = (ms: number, stored: boolean) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      const reading = read();
      if (stored) ingest([reading]);
    }
  };
  return { store, engine, poll };
}

interface Timeline {
  /** How long the first process ran and stored readings, ms. */
  uptimeMs: number;
  /** Readings polled but not stored before the stop (the disk was full), ms. */
  fullBeforeStopMs: number;
  /** From the stop to the new process's clock origin (stop, systemd, node start-up), ms. */
  restartMs: number;
  /** Readings polled but not stored after the start (still full), ms. */
  fullAfterStartMs: number;
}

function run(t: Timeline) {
  const dir = temp.dir();
  const first = new ManualClock(startWallMs);
  const before = processOn(dir, first);
  before.poll(t.uptimeMs, true);
  before.poll(t.fullBeforeStopMs, false);
  before.store.close();

  const second = new ManualClock(first.now() + t.restartMs);
  const after = processOn(dir, second);
  after.poll(t.fullAfterStartMs, false);
  after.poll(3_000, true);

  const store = after.store;
  const energies = store.readings.listForMeter("m1", { limit: 10_000 }).map((r) => r.energyWh);
  const chargedE7 = -store.ledger
    .forAccount("a1", { limit: 10_000 })
    .filter((e) => e.kind === "charge")
    .reduce((sum, e) => sum + e.amountE7, 0);
  const events = store.events
    .list({ limit: 10_000 })
    .map((e) => e.type)
    .filter((type) => type.startsWith("clock.") || type.startsWith("anomaly."));
  return {
    movedWh: Math.max(...energies) - Math.min(...energies),
    chargedWh: chargedE7 / 10_000,
    events,
  };
}

describe("prepaid engine: a restart during a disk-full episode", () => {
  const timelines: Timeline[] = [];
  for (const uptimeMs of [1_000, 3_000, 8_000])
    for (const restartMs of [300, 2_000, 6_000])
      for (const fullAfterStartMs of [500, 4_000, 9_000])
        timelines.push({ uptimeMs, fullBeforeStopMs: 2_000, restartMs, fullAfterStartMs });

  it.each(timelines)(
    "charges the whole gap: up $uptimeMs ms, restart $restartMs ms, first store $fullAfterStartMs ms after start",
    (timeline) => {
      const { movedWh, chargedWh, events } = run(timeline);
      expect({ chargedWh, events }).toEqual({ chargedWh: movedWh, events: [] });
    },
  );
});
