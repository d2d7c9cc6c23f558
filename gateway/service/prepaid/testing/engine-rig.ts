/**
 * Test support: a prepaid engine on a real SQLite file in a temp dir, a ManualClock, relays that obey
 * (or stick), and a reading factory. Lives under testing/ so the production build can leave it out.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../../core/clock.ts";
import { silentLogger } from "../../../core/logger.ts";
import { parseConfig } from "../../../config/index.ts";
import type { Reading } from "../../../metering/reading.ts";
import type { QuantityValues } from "../../../../protocols/profiles/decode.ts";
import { openStore, type Store } from "../../../store/index.ts";
import { PrepaidEngine, type RelayPort } from "../engine.ts";
import { PrepaidOperations } from "../operations.ts";
import { compilePrepaidSettings } from "../settings.ts";

/** m1 on account a1 (1.00 yuan at 1.0000 yuan/kWh, cut at zero). */
export const rigConfig = `
gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters:
  - { id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }
accounts:
  - { id: a1, tariff: flat, balance: "1.00", overdraftLimit: "0", closeAllowedMin: "0.20" }
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]
policy: { cutNoticeMs: 0, friendlyPeriods: [], friendlyDays: [], maxRelayOpsPerHour: 10 }
`;

/** Relays that follow their command, unless `stuck` (acknowledged, not moved). */
export class RigRelays implements RelayPort {
  readonly writes: Array<[string, boolean]> = [];
  readonly closed = new Map<string, boolean>();
  stuck = false;
  writeRelay(meterId: string, closed: boolean): Promise<void> {
    this.writes.push([meterId, closed]);
    if (!this.stuck) this.closed.set(meterId, closed);
    return Promise.resolve();
  }
  readRelay(meterId: string): Promise<boolean> {
    return Promise.resolve(this.closed.get(meterId) ?? true);
  }
}

export interface EngineRig {
  readonly store: Store;
  readonly clock: ManualClock;
  readonly relays: RigRelays;
  readonly engine: PrepaidEngine;
  readonly ops: PrepaidOperations;
  /** A reading of `meterId` now, with its relay as the rig's relays stand. */
  read(meterId: string, energyWh: number, values?: QuantityValues): Reading;
  /** Event types, oldest first, as `type@meter`. */
  eventTypes(): string[];
  /** Event payloads of one type, oldest first. */
  events(type: string): Array<{ message: string; data: Record<string, unknown> }>;
  close(): void;
}

/** Opens a rig; call close() when done. */
export function openEngineRig(configText = rigConfig): EngineRig {
  const parsed = parseConfig(configText, { baseDir: "/", profileNames: () => new Set(["generic-prepaid"]) });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const dir = mkdtempSync(join(tmpdir(), "engine-rig-"));
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  const store = openStore({ dataDir: dir, clock });
  const relays = new RigRelays();
  const engine = new PrepaidEngine({
    store,
    clock,
    logger: silentLogger(),
    settings: compilePrepaidSettings(parsed.config),
    relay: relays,
    hasRelay: () => true,
  });
  engine.start();
  const all = () => store.events.list({ limit: 10_000 });
  return {
    store,
    clock,
    relays,
    engine,
    ops: new PrepaidOperations(engine, store),
    read: (meterId, energyWh, values = {}) => ({
      meterId,
      busId: "b1",
      unit: 1,
      wallMs: clock.now(),
      monoMs: clock.monotonicMs(),
      values: { importEnergyWh: energyWh, powerW: 2000, ...values },
      relayClosed: relays.closed.get(meterId) ?? true,
      quality: [],
      durationMs: 5,
    }),
    eventTypes: () => all().map((e) => `${e.type}${e.meterId ? `@${e.meterId}` : ""}`),
    events: (type) =>
      all()
        .filter((e) => e.type === type)
        .map((e) => e.payload as { message: string; data: Record<string, unknown> }),
    close: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
