/**
 * The composition root: builds every feature from the frozen config and injected parts, starts them
 * in order and stops them in reverse. Constructors only store; start() does the work.
 */
import { mkdirSync } from "node:fs";
import type { Clock } from "../core/clock.ts";
import { EventBus } from "../core/event-bus.ts";
import type { GatewayEvents } from "../core/events.ts";
import type { Logger } from "../core/logger.ts";
import type { Config } from "../config/index.ts";
import { openStore, type Store } from "../store/index.ts";
import type { TransportFactory } from "../../protocols/modbus/transport/transport.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import { Buses } from "./buses.ts";
import { DataDirLock } from "./lock.ts";
import { ReadingBatcher } from "./reading-batcher.ts";
import { PrepaidEngine } from "./prepaid/engine.ts";
import { PrepaidOperations } from "./prepaid/operations.ts";
import { recordEvent } from "./prepaid/records.ts";
import { compilePrepaidSettings } from "./prepaid/settings.ts";
import { LocalHttp } from "./http.ts";
import { createMetrics } from "./metrics.ts";
import { ClockCron } from "../schedule/cron.ts";
import { backup, defaultRetention, freeze } from "../schedule/jobs.ts";

export interface GatewayDeps {
  clock: Clock;
  logger: Logger;
  transportFactory: TransportFactory;
  profiles: ReadonlyMap<string, ResolvedProfile>;
}

export class Gateway {
  readonly events: EventBus<GatewayEvents>;
  private lock: DataDirLock | undefined;
  private storeRef: Store | undefined;
  private busesRef: Buses | undefined;
  private engineRef: PrepaidEngine | undefined;
  private opsRef: PrepaidOperations | undefined;
  private batcher: ReadingBatcher | undefined;
  private http: LocalHttp | undefined;
  private cron: ClockCron | undefined;
  /** Last known state of each bus. */
  readonly busStates = new Map<string, "up" | "down">();
  /** Port of the local HTTP API once started. */
  httpPort: number | undefined;
  private readonly startedMono: number;

  constructor(
    private currentConfig: Config,
    private readonly deps: GatewayDeps,
  ) {
    this.events = new EventBus<GatewayEvents>((event, error) =>
      deps.logger.error({ err: error, event }, "event handler failed"),
    );
    this.startedMono = deps.clock.monotonicMs();
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
  get engine(): PrepaidEngine {
    return required(this.engineRef, "engine");
  }
  get operations(): PrepaidOperations {
    return required(this.opsRef, "operations");
  }
  get uptimeMs(): number {
    return this.deps.clock.monotonicMs() - this.startedMono;
  }

  async start(): Promise<void> {
    const { clock, logger } = this.deps;
    mkdirSync(this.config.gateway.dataDir, { recursive: true });
    this.lock = DataDirLock.acquire(this.config.gateway.dataDir);
    const store = openStore({ dataDir: this.config.gateway.dataDir, clock });
    this.storeRef = store;
    const buses = new Buses(this.config, {
      clock,
      events: this.events,
      profiles: this.deps.profiles,
      transportFactory: this.deps.transportFactory,
    });
    this.busesRef = buses;
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
      hasRelay: (meterId) =>
        this.deps.profiles.get(this.config.meters.find((m) => m.id === meterId)?.profile ?? "")?.relay !==
        undefined,
    });
    this.engineRef = engine;
    this.opsRef = new PrepaidOperations(engine, store);
    engine.start();
    this.batcher = new ReadingBatcher((batch) => {
      try {
        engine.ingest(batch);
      } catch (error) {
        logger.error({ err: error, readings: batch.length }, "could not store a batch of readings");
      }
    });
    const batcher = this.batcher;
    this.events.on("reading", (reading) => {
      logger.debug({ meterId: reading.meterId, values: reading.values }, "reading");
      batcher.push(reading);
    });
    this.events.on("meter.state", ({ meterId, busId, state, counters }) => {
      if (state === "unknown") return;
      const log = state === "online" ? logger.info.bind(logger) : logger.warn.bind(logger);
      log({ meterId, busId, state, lastError: counters.lastError }, `meter ${meterId} ${state}`);
      store.transaction(() =>
        recordEvent(store, {
          type: state === "online" ? "meter.online" : "meter.offline",
          severity: state === "online" ? "info" : "warning",
          meterId,
          message:
            state === "online"
              ? `meter ${meterId} answers again`
              : `meter ${meterId} stopped answering: ${counters.lastError?.message ?? ""}`,
          data: { busId, lastError: counters.lastError ?? null },
        }),
      );
    });
    this.events.on("bus.state", ({ busId, state, error }) => {
      this.busStates.set(busId, state);
      const log = state === "up" ? logger.info.bind(logger) : logger.warn.bind(logger);
      log({ busId, state, err: error?.message }, `bus ${busId} ${state}`);
      store.transaction(() =>
        recordEvent(store, {
          type: state === "up" ? "bus.up" : "bus.down",
          severity: state === "up" ? "info" : "critical",
          message: state === "up" ? `bus ${busId} is up` : `bus ${busId} is down: ${error?.message ?? ""}`,
          data: { busId, error: error?.message ?? null },
        }),
      );
    });
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

  /** Finishes the batch in hand, stops polling, lets relay operations end, closes the database. */
  /**
   * Applies a reloaded config (SIGHUP): meters, buses, accounts, tariffs and policy change in place;
   * the rest needs a restart and is named. Returns what was applied and what was not.
   */
  async reload(next: Config): Promise<{ applied: string[]; needsRestart: string[] }> {
    const prev = this.currentConfig;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const needsRestart = (["id", "dataDir", "timezone", "httpPort", "profilesDir", "logLevel"] as const)
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
      });
      this.busesRef.start();
    }
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
          thresholds: {
            alarm1E7: account.alarm1E7,
            alarm2E7: account.alarm2E7,
            overdraftLimitE7: account.overdraftLimitE7,
            hoardingLimitE7: account.hoardingLimitE7,
            closeAllowedMinE7: account.closeAllowedMinE7,
          },
          protection:
            account.protection === false
              ? null
              : { reason: account.protection.reason, untilMs: account.protection.untilMs ?? null },
        });
      }
      recordEvent(store, {
        type: "config.reloaded",
        severity: needsRestart.length === 0 ? "info" : "warning",
        message: `config reloaded: ${applied.length === 0 ? "nothing changed" : `applied ${applied.join(", ")}`}${needsRestart.length === 0 ? "" : `; needs a restart to take effect: ${needsRestart.join(", ")}`}`,
        data: { applied, needsRestart },
      });
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

  async stop(): Promise<void> {
    this.cron?.stop();
    await this.http?.stop();
    await this.busesRef?.stop();
    this.batcher?.flush();
    await this.engineRef?.stop();
    this.storeRef?.close();
    this.lock?.release();
    this.deps.logger.info("gateway stopped");
  }
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`gateway not started: no ${name}`);
  return value;
}
