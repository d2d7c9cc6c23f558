/**
 * Test support for the prepaid engine: a real store in a temp directory, a ManualClock, the engine and
 * its operations on a two-meter config, and relays that remember every write (RS-485 hardware cannot
 * exist in a unit test). Call {@link cleanupEngines} after each test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { parseConfig } from "../../config/index.ts";
import type { Reading } from "../../metering/reading.ts";
import { openStore, type Store } from "../../store/index.ts";
import { PrepaidEngine, type RelayPort } from "./engine.ts";
import { PrepaidOperations } from "./operations.ts";
import { compilePrepaidSettings } from "./settings.ts";

/** m1 on a1 (1.00 yuan, overdraft 0, notice 60 s), h1 on a protected account; flat 1.0000 yuan/kWh. */
export const engineConfigText = `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
  - { id: h1, bus: b1, unit: 2, profile: generic-prepaid, account: hospital }
accounts:
  - { id: a1, tariff: flat, balance: "1.00", alarm1: "0.80", alarm2: "0.50", overdraftLimit: "0", closeAllowedMin: "0.20" }
  - { id: hospital, tariff: flat, balance: "0.10", protected: { reason: hospital } }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 60000, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
`;

/** Relays that follow every write at once and remember it. */
export class FakeRelays implements RelayPort {
  readonly writes: Array<[string, boolean]> = [];
  readonly closed = new Map<string, boolean>();
  writeRelay(meterId: string, closed: boolean): Promise<void> {
    this.writes.push([meterId, closed]);
    this.closed.set(meterId, closed);
    return Promise.resolve();
  }
  readRelay(meterId: string): Promise<boolean> {
    return Promise.resolve(this.closed.get(meterId) ?? true);
  }
}

const dirs: string[] = [];
const stores: Store[] = [];

/** Closes the stores and removes the directories made by {@link setupEngine}. */
export function cleanupEngines(): void {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A started engine on a fresh database; `read` makes a reading of a meter as of the clock's now. */
export function setupEngine(configText = engineConfigText) {
  const parsed = parseConfig(configText, { baseDir: "/", profileNames: () => new Set(["generic-prepaid"]) });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const dir = mkdtempSync(join(tmpdir(), "engine-"));
  dirs.push(dir);
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  const store = openStore({ dataDir: dir, clock });
  stores.push(store);
  const relays = new FakeRelays();
  const settings = compilePrepaidSettings(parsed.config);
  const engine = new PrepaidEngine({
    store,
    clock,
    logger: silentLogger(),
    settings,
    relay: relays,
    hasRelay: () => true,
  });
  engine.start();
  const ops = new PrepaidOperations(engine, store);
  const read = (
    meterId: string,
    energyWh: number,
    relayClosed = relays.closed.get(meterId) ?? true,
  ): Reading => ({
    meterId,
    busId: "b1",
    unit: 1,
    wallMs: clock.now(),
    monoMs: clock.monotonicMs(),
    values: { importEnergyWh: energyWh, powerW: 2000 },
    relayClosed,
    quality: [],
    durationMs: 5,
  });
  const eventTypes = () =>
    store.events.list({ limit: 1000 }).map((e) => `${e.type}${e.meterId ? `@${e.meterId}` : ""}`);
  return { store, clock, relays, engine, ops, read, eventTypes };
}
