/**
 * The composition root: builds every feature from the frozen config and injected parts, starts them
 * in order and stops them in reverse. Constructors only store; start() does the work.
 */
import type { Clock } from "../../core/clock.ts";
import { ensureDataDir } from "../store/data-dir.ts";
import { EventBus } from "../../core/event-bus.ts";
import type { GatewayEvents } from "../events.ts";
import type { Logger } from "../../core/logger.ts";
import type { Config } from "../config/index.ts";
import { openStore, type Store } from "../store/index.ts";
import type { TransportFactory } from "../../protocols/modbus/transport/transport.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import { Buses } from "./buses.ts";
import { DataDirLock } from "./lock.ts";
import { DiskGuard } from "./disk-guard.ts";
import { ReadingBatcher } from "./reading-batcher.ts";
import { batchSink } from "./batch-sink.ts";
import { StoreFailures } from "./store-failures.ts";
import { PrepaidEngine } from "./prepaid/engine.ts";
import { ReadingIngest } from "../ingest/ingest.ts";
import { PrepaidOperations } from "./prepaid/operations.ts";
import { busEvent, configReloadedEvent, meterLinkEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { storedSettingsOf } from "./prepaid/seed.ts";
import { compilePrepaidSettings } from "./prepaid/settings.ts";
import { LocalHttp } from "./http.ts";
import { createMetrics } from "./metrics.ts";
import { ClockCron } from "../schedule/cron.ts";
import { Uplink } from "../uplink/index.ts";
import { checkClock, formatMoneyE7, moneyStateOf } from "../prepaid/index.ts";
import { createExecutor } from "./executor.ts";
import { recordQuantityChanges } from "./quantity-events.ts";
import type { Reading } from "../metering/reading.ts";
import { backup, defaultRetention, freeze } from "../schedule/jobs.ts";

export interface GatewayDeps {
  clock: Clock;
  /** Software version for the status topic. */
  version?: string;
  /**
   * Clock of the uplink (command validity, envelope times); default `clock`. The demo runs metering and
   * billing on accelerated time but must judge a platform's command expiry on the real wall clock.
   */
  uplinkClock?: Clock;
  /**
   * Clock of wire-level bounds (BusSchedulerOptions.wireClock); default `clock`. The demo runs metering
   * on accelerated time, but a request on the wire takes real time.
   */
  wireClock?: Clock;
  logger: Logger;
  transportFactory: TransportFactory;
  profiles: ReadonlyMap<string, ResolvedProfile>;
}

export class Gateway {
  readonly events: EventBus<GatewayEvents>;
  private lock: DataDirLock | undefined;
  private diskRef: DiskGuard | undefined;
  private storeRef: Store | undefined;
  private busesRef: Buses | undefined;
  private engineRef: PrepaidEngine | undefined;
  private opsRef: PrepaidOperations | undefined;
  private batcher: ReadingBatcher | undefined;
  private http: LocalHttp | undefined;
  private cron: ClockCron | undefined;
  private uplinkRef: Uplink | undefined;
  private readonly lastReadings = new Map<string, Reading>();
  /** Last known state of each bus. */
  readonly busStates = new Map<string, "up" | "down">();
  /** Port of the local HTTP API once started. */
  httpPort: number | undefined;
  private readonly startedMono: number;
  /** Meters whose profile has a relay (recomputed on reload). */
  private relayMeters = new Set<string>();
  private readonly startedWall: number;
  /** Batches of readings that could not be stored (for /healthz, /status, /metrics). */
  readonly storeFailures: StoreFailures;

  constructor(
    private currentConfig: Config,
    private readonly deps: GatewayDeps,
  ) {
    this.events = new EventBus<GatewayEvents>((event, error) =>
      deps.logger.error({ err: error, event }, "event handler failed"),
    );
    this.startedMono = deps.clock.monotonicMs();
    this.startedWall = deps.clock.now();
    this.storeFailures = new StoreFailures(deps.clock);
  }

  get config(): Config {
    return this.currentConfig;
  }

  get store(): Store {
    return required(this.storeRef, "store");
  }
  get buses(): Buses {
    return required(this.busesRef, "buses");
  }
  /** Room in the data directory and what the gateway does when it runs out. */
  get disk(): DiskGuard {
    return required(this.diskRef, "disk guard");
  }
  get engine(): PrepaidEngine {
    return required(this.engineRef, "engine");
  }
  get operations(): PrepaidOperations {
    return required(this.opsRef, "operations");
  }
  private metersWithRelay(config: Config): Set<string> {
    return new Set(
      config.meters.filter((m) => this.deps.profiles.get(m.profile)?.relay !== undefined).map((m) => m.id),
    );
  }

  /** Wall-clock now of the gateway's clock. */
  clockNow(): number {
    return this.deps.clock.now();
  }

  /**
   * Whether the wall clock is trusted: it must not have stepped away from the monotonic clock since
   * start by more than the policy's tolerance, and must be plausible (after 2025).
   */
  clockCheck(): { ok: true } | { ok: false; detail: string } {
    const check = checkClock(
      { wallMs: this.startedWall, monoMs: this.startedMono },
      { wallMs: this.deps.clock.now(), monoMs: this.deps.clock.monotonicMs() },
      this.engine.settings.policy.clockToleranceMs,
    );
    if (check.ok) return check;
    return {
      ok: false,
      detail:
        check.anomaly === "wall-implausible"
          ? "the wall clock is before 2025: not set yet (no RTC, no NTP?)"
          : `the wall clock moved ${Math.round(check.skewMs / 1000)} s against the monotonic clock since start (${check.anomaly})`,
    };
  }

  get uptimeMs(): number {
    return this.deps.clock.monotonicMs() - this.startedMono;
  }

  async start(): Promise<void> {
    const { clock, logger } = this.deps;
    const { dataDir, diskReserveMiB } = this.config.gateway;
    ensureDataDir(dataDir);
    const disk = new DiskGuard({ dataDir, reserveBytes: (diskReserveMiB ?? 4) * 1024 * 1024, clock, logger });
    this.diskRef = disk;
    this.lock = disk.startStep("the lock file", () => disk.lock(() => DataDirLock.acquire(dataDir)));
    disk.prepareStart();
    const store = disk.startStep("the database", () => openStore({ dataDir, clock, logger }));
    this.storeRef = store;
    disk.attach(store);
    const buses = new Buses(this.config, {
      clock,
      events: this.events,
      profiles: this.deps.profiles,
      transportFactory: this.deps.transportFactory,
      wireClock: this.deps.wireClock,
    });
    this.busesRef = buses;
    this.relayMeters = this.metersWithRelay(this.config);
    const settings = compilePrepaidSettings(this.config);
    const engine = new PrepaidEngine({
      store,
      clock,
      logger,
      settings,
      relay: {
        writeRelay: (m, closed) => this.buses.writeRelay(m, closed),
        readRelay: (m) => this.buses.readRelay(m),
      },
      hasRelay: (meterId) => this.relayMeters.has(meterId),
    });
    this.engineRef = engine;
    this.opsRef = new PrepaidOperations(engine, store);
    const readingIngest = new ReadingIngest(store, engine);
    if (!disk.write(() => engine.start(), 0))
      logger.error("disk full: accounts and decisions not loaded yet");
    this.batcher = new ReadingBatcher(
      clock,
      batchSink({
        ingest: (batch) => disk.write(() => readingIngest.ingest(batch), batch.length),
        store,
        logger,
        failures: this.storeFailures,
        afterStored: (batch) => {
          this.uplinkRef?.outboxChanged();
          for (const reading of batch) this.publishMeterState(reading.meterId, reading);
        },
      }),
    );
    const batcher = this.batcher;
    this.events.on("reading", (reading) => {
      logger.debug({ meterId: reading.meterId, values: reading.values }, "reading");
      batcher.push(reading);
    });
    this.events.on("meter.state", ({ meterId, busId, state, counters }) => {
      if (state === "unknown") return;
      this.publishMeterState(meterId);
      const log = state === "online" ? logger.info.bind(logger) : logger.warn.bind(logger);
      log({ meterId, busId, state, lastError: counters.lastError }, `meter ${meterId} ${state}`);
      store.transaction(() =>
        recordEvent(store, meterLinkEvent(meterId, busId, state === "online", counters.lastError)),
      );
    });
    recordQuantityChanges(this.events, store, logger);
    this.events.on("bus.state", ({ busId, state, error }) => {
      this.busStates.set(busId, state);
      const log = state === "up" ? logger.info.bind(logger) : logger.warn.bind(logger);
      log({ busId, state, err: error?.message }, `bus ${busId} ${state}`);
      store.transaction(() => recordEvent(store, busEvent(busId, state === "up", error)));
    });
    if (this.config.mqtt !== undefined) {
      this.uplinkRef = new Uplink({
        config: this.config.mqtt,
        gatewayId: this.config.gateway.id,
        store,
        clock: this.deps.uplinkClock ?? clock,
        logger,
        version: this.deps.version ?? "0.0.0",
        statusProvider: () => {
          const meters = this.buses.meters().map((m) => this.buses.counters(m.id).state);
          return {
            meters: {
              total: meters.length,
              online: meters.filter((s) => s === "online").length,
              offline: meters.filter((s) => s === "offline").length,
            },
          };
        },
        executor: createExecutor(this),
      });
      await this.uplinkRef.start();
    }
    buses.start();
    this.cron = this.schedules();
    this.cron.start();
    if (this.config.gateway.httpPort !== undefined) {
      this.http = new LocalHttp(this, createMetrics(this), this.busStates);
      this.httpPort = await this.http.start(this.config.gateway.httpPort);
    }
    logger.info(
      {
        gatewayId: this.config.gateway.id,
        buses: this.config.buses.length,
        meters: this.config.meters.length,
      },
      "gateway started",
    );
  }

  /**
   * Applies a reloaded config (SIGHUP): meters, buses, accounts, tariffs and policy change in place;
   * the rest needs a restart and is named. Returns what was applied and what was not.
   */
  async reload(next: Config): Promise<{ applied: string[]; needsRestart: string[] }> {
    const prev = this.currentConfig;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const needsRestart = (
      ["id", "dataDir", "timezone", "httpPort", "profilesDir", "logLevel", "diskReserveMiB"] as const
    )
      .filter((key) => !same(prev.gateway[key], next.gateway[key]))
      .map((key) => `gateway.${key}`);
    if (!same(prev.mqtt, next.mqtt)) needsRestart.push("mqtt");
    const applied = (["buses", "meters", "accounts", "tariffs", "policy"] as const).filter(
      (key) => !same(prev[key], next[key]),
    );
    // Keep what cannot change now; take the rest.
    this.currentConfig = { ...next, gateway: prev.gateway, mqtt: prev.mqtt };
    const store = this.store;
    if (applied.includes("buses") || applied.includes("meters")) {
      await this.buses.stop();
      this.busesRef = new Buses(this.currentConfig, {
        clock: this.deps.clock,
        events: this.events,
        profiles: this.deps.profiles,
        transportFactory: this.deps.transportFactory,
        wireClock: this.deps.wireClock,
      });
      this.busesRef.start();
    }
    this.relayMeters = this.metersWithRelay(this.currentConfig);
    const settings = compilePrepaidSettings(this.currentConfig);
    store.transaction(() => {
      for (const tariff of next.tariffs ?? []) {
        const before = prev.tariffs?.find((t) => t.id === tariff.id);
        if (!same(before, tariff))
          store.tariffs.upsert(tariff.id, tariff.kind, settings.tariffs.get(tariff.id));
      }
      // Account fields edited in the file since the last load are applied; the rest keep what commands set.
      for (const account of settings.accounts.values()) {
        const before = prev.accounts?.find((a) => a.id === account.id);
        const after = next.accounts?.find((a) => a.id === account.id);
        if (
          before === undefined ||
          after === undefined ||
          same(before, after) ||
          store.accounts.get(account.id) === undefined
        )
          continue;
        store.accounts.updateSettings(account.id, {
          tariffId: account.tariffId,
          ...storedSettingsOf(account),
        });
      }
      recordEvent(store, configReloadedEvent(applied, needsRestart));
    });
    this.engine.replaceSettings(settings);
    return { applied: [...applied], needsRestart };
  }

  /** Daily freeze at 00:00, monthly settlement, hourly retention, daily backup at 03:30 (gateway time zone). */
  private schedules(): ClockCron {
    const { clock, logger } = this.deps;
    const store = this.store;
    const { timezone, dataDir } = this.config.gateway;
    const cron = new ClockCron(clock, timezone, logger);
    cron.add({
      name: "daily freeze",
      expression: "0 0 * * *",
      run: (at) => void freeze(store, this.engine.settings.meterAccount, timezone, at, "daily"),
    });
    cron.add({
      name: "monthly settlement",
      expression: "0 0 1 * *",
      run: (at) => void freeze(store, this.engine.settings.meterAccount, timezone, at, "monthly"),
    });
    cron.add({
      name: "retention",
      expression: "17 * * * *",
      run: () => {
        const removed = store.applyRetention(defaultRetention);
        logger.info(removed, "retention applied");
      },
    });
    cron.add({
      name: "backup",
      expression: "30 3 * * *",
      run: (at) => void backup(store, dataDir, at, 7, logger),
    });
    return cron;
  }

  /** The MQTT uplink, when configured. */
  get uplink(): Uplink | undefined {
    return this.uplinkRef;
  }

  /** Publishes a meter's retained state (latest reading, balance, relay, online). */
  private publishMeterState(meterId: string, latest?: Reading): void {
    const uplink = this.uplinkRef;
    if (uplink === undefined) return;
    if (latest !== undefined) this.lastReadings.set(meterId, latest);
    const reading = latest ?? this.lastReadings.get(meterId);
    const counters = this.buses.counters(meterId);
    const accountId = this.engine.settings.meterAccount.get(meterId);
    const account = accountId === undefined ? undefined : this.store.accounts.get(accountId);
    uplink.publishMeterState(meterId, {
      wallMs: this.deps.clock.now(),
      online: counters.state !== "offline",
      lastSeenMs: counters.lastSeenMs ?? null,
      reading: reading === undefined ? null : { wallMs: reading.wallMs, values: reading.values },
      accountId: accountId ?? null,
      balance: account === undefined ? null : formatMoneyE7(account.balanceE7),
      moneyState: account === undefined ? null : moneyStateOf(account.balanceE7, account.thresholds),
      relay: reading?.relayClosed === undefined ? "unknown" : reading.relayClosed ? "closed" : "open",
    });
  }

  /**
   * Stops in the order the data flows: no new polls, the polls in hand finish, the last batch is stored
   * (and published) while the buses, engine and uplink it needs still exist, the relay operations it
   * decided finish on the still-open buses, then buses, uplink and database close.
   */
  async stop(): Promise<void> {
    this.cron?.stop();
    this.diskRef?.stop();
    await this.http?.stop();
    await this.busesRef?.stopPolling(stopDrainMs);
    this.batcher?.flush();
    await this.engineRef?.stop();
    await this.busesRef?.stop();
    // A poll still in hand after the drain bound ended while the buses closed: store its reading too.
    this.batcher?.flush();
    // Last: the records of the final batch are in the outbox; stop() publishes `offline` and disconnects.
    await this.uplinkRef?.stop();
    this.storeRef?.close();
    this.lock?.release();
    this.deps.logger.info("gateway stopped");
  }
}

/** How long a stop waits for the polls in hand before closing the buses anyway, ms. */
const stopDrainMs = 2000;

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`gateway not started: no ${name}`);
  return value;
}
