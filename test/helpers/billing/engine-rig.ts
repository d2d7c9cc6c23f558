/**
 * Test support for the prepaid engine: a real SQLite file in a temp dir, a ManualClock, the engine and
 * its operations, relays that obey (or stick) and remember every write (RS-485 hardware cannot exist in
 * a unit test), and a reading factory. Lives under testing/ so the production build can leave it out.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, type Clock } from "../../../core/clock.ts";
import { silentLogger } from "../../../core/logger.ts";
import { parseConfig, type Config } from "../../../gateway/config/index.ts";
import type { Reading } from "../../../gateway/metering/reading.ts";
import type { QuantityValues } from "../../../protocols/profiles/decode.ts";
import { openStore, type Store } from "../../../gateway/store/index.ts";
import { ReadingIngest } from "../../../gateway/ingest/ingest.ts";
import { PrepaidEngine, type RelayPort } from "../../../gateway/billing/engine.ts";
import { PrepaidOperations } from "../../../gateway/billing/operations.ts";
import { compilePrepaidSettings, type PrepaidSettings } from "../../../gateway/billing/settings.ts";
import type { PlatformContact } from "../../../gateway/prepaid/index.ts";

/** m1 on account a1 (1.00 yuan at 1.0000 yuan/kWh, cut at zero, no notice). */
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

/** m1 on a1 (1.00 yuan, alarms at 0.80 and 0.50, overdraft 0, cut notice 60 s), h1 on a protected account. */
export const noticeRigConfig = `
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

/** A config text whose meters use the profile `generic-prepaid`, parsed (throws on an error). */
export function rigParsedConfig(configText: string): Config {
  const parsed = parseConfig(configText, { baseDir: "/", profileNames: () => new Set(["generic-prepaid"]) });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

/** The engine's settings from a config text whose meters use the profile `generic-prepaid`. */
export function rigSettings(configText: string): PrepaidSettings {
  return compilePrepaidSettings(rigParsedConfig(configText));
}

/** Tariff `t` of each kind, as YAML flow, with prices that do not divide evenly (for property tests). */
export const oddTariffs = {
  flat: '{ id: t, kind: flat, price: "0.5283" }',
  tou: '{ id: t, kind: tou, prices: { peak: "0.9871", flat: "0.5283", valley: "0.3001" }, weekday: [{ period: valley, from: "22:00", to: "24:00" }, { period: peak, from: "08:00", to: "12:00" }] }',
  tiered:
    '{ id: t, kind: tiered, price: "0.4883", settlement: monthly, tiers: [{ fromWh: 0, increment: "0" }, { fromWh: 5000, increment: "0.0500" }, { fromWh: 20000, increment: "0.3000" }] }',
} as const;

/**
 * Settings for one meter `m` (bus `b`) on account `a` with `balance` yuan (hoarding limit 100 000) under
 * `tariffYaml` (id t), in Asia/Shanghai.
 */
export function oneMeterSettings(tariffYaml: string, balance: string): PrepaidSettings {
  return rigSettings(`gateway: { id: gw, dataDir: /unused, timezone: Asia/Shanghai }
buses: [{ id: b, transport: tcp, host: 127.0.0.1 }]
meters: [{ id: m, bus: b, unit: 1, profile: generic-prepaid, account: a }]
accounts: [{ id: a, tariff: t, balance: "${balance}", hoardingLimit: "100000.00" }]
tariffs: [${tariffYaml}]`);
}

/** Relays no meter has: writes succeed and go nowhere, reads say closed. */
const noRelays: RelayPort = { writeRelay: () => Promise.resolve(), readRelay: () => Promise.resolve(true) };

/**
 * A started engine on `store` (a restart when the store's file was used before). Without `relay` the
 * meters have no relay (hasRelay false).
 */
export function startEngine(parts: {
  store: Store;
  clock: Clock;
  settings: PrepaidSettings;
  relay?: RelayPort;
  /** The platform contact the decisions read (the keep-power safeguards); absent: not watched. */
  contact?: () => PlatformContact | undefined;
}): PrepaidEngine {
  const engine = new PrepaidEngine({
    store: parts.store,
    clock: parts.clock,
    logger: silentLogger(),
    settings: parts.settings,
    relay: parts.relay ?? noRelays,
    hasRelay: () => parts.relay !== undefined,
    ...(parts.contact === undefined ? {} : { contact: parts.contact }),
  });
  engine.start();
  return engine;
}

/** The ingest stage in front of `engine` on `store`: `ingest(batch)` as the batch sink calls it. */
export function ingestInto(store: Store, engine: PrepaidEngine): (batch: readonly Reading[]) => void {
  const stage = new ReadingIngest(store, engine);
  return (batch) => stage.ingest(batch);
}

/** Relays that follow their command, unless `stuck` (acknowledged, not moved), and remember every write. */
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
  /** Stores, queues and bills one poll batch, as the gateway's batch sink does. */
  ingest(batch: readonly Reading[]): void;
  /**
   * A reading of `meterId` now, with `values` beside its energy register and its relay as the rig's
   * relays stand unless `relayClosed` says otherwise (a relay moved by hand).
   */
  read(meterId: string, energyWh: number, values?: QuantityValues, relayClosed?: boolean): Reading;
  /** Event types, oldest first, as `type@meter`. */
  eventTypes(): string[];
  /** Event payloads of one type, oldest first. */
  events(type: string): Array<{ message: string; data: Record<string, unknown> }>;
  close(): void;
}

const open: EngineRig[] = [];

/** Closes every rig still open (for afterEach). */
export function closeEngineRigs(): void {
  for (const rig of open.splice(0)) rig.close();
}

/** Opens a rig on a fresh database with its clock at 2026-01-05 12:00 UTC; close it or {@link closeEngineRigs}. */
export function openEngineRig(
  configText = rigConfig,
  options: { contact?: () => PlatformContact | undefined } = {},
): EngineRig {
  const dir = mkdtempSync(join(tmpdir(), "engine-rig-"));
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12, 0, 0));
  const store = openStore({ dataDir: dir, clock });
  const relays = new RigRelays();
  const engine = startEngine({ store, clock, settings: rigSettings(configText), relay: relays, ...options });
  const all = () => store.events.list({ limit: 10_000 });
  let closed = false;
  const rig: EngineRig = {
    store,
    clock,
    relays,
    engine,
    ops: new PrepaidOperations(engine, store),
    ingest: ingestInto(store, engine),
    read: (meterId, energyWh, values = {}, relayClosed = relays.closed.get(meterId) ?? true) => ({
      meterId,
      busId: "b1",
      unit: 1,
      wallMs: clock.now(),
      monoMs: clock.monotonicMs(),
      values: { importEnergyWh: energyWh, powerW: 2000, ...values },
      relayClosed,
      quality: [],
      durationMs: 5,
    }),
    eventTypes: () => all().map((e) => `${e.type}${e.meterId ? `@${e.meterId}` : ""}`),
    events: (type) =>
      all()
        .filter((e) => e.type === type)
        .map((e) => e.payload as { message: string; data: Record<string, unknown> }),
    close: () => {
      if (closed) return;
      closed = true;
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  open.push(rig);
  return rig;
}
