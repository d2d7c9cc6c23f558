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
  /** Last known state of each bus. */
  readonly busStates = new Map<string, "up" | "down">();
  /** Port of the local HTTP API once started. */
  httpPort: number | undefined;
  private readonly startedMono: number;

  constructor(
    readonly config: Config,
    private readonly deps: GatewayDeps,
  ) {
    this.events = new EventBus<GatewayEvents>((event, error) =>
      deps.logger.error({ err: error, event }, "event handler failed"),
    );
    this.startedMono = deps.clock.monotonicMs();
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
      relay: buses,
      hasRelay: (meterId) =>
        this.deps.profiles.get(this.config.meters.find((m) => m.id === meterId)?.profile ?? "")?.relay !==
        undefined,
    });
    this.engineRef = engine;
    this.opsRef = new PrepaidOperations(engine, settings, store);
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
  async stop(): Promise<void> {
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
