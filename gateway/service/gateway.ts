/**
 * The composition root: builds every feature from the frozen config and injected parts, hands each the
 * narrow ports it reads (ports.ts), starts them in order and stops them in reverse. Constructors only
 * store; start() does the work.
 */
import type { Clock } from "../../core/clock.ts";
import { EventBus } from "../../core/event-bus.ts";
import type { Logger } from "../../core/logger.ts";
import type { Config } from "../config/index.ts";
import type { GatewayEvents } from "../events.ts";
import type { Store } from "../store/index.ts";
import type { Uplink } from "../uplink/index.ts";
import type { TransportFactory } from "../../protocols/modbus/transport/transport.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import { GatewayClockHealth } from "./clock-health.ts";
import type { DiskGuard } from "./disk-guard.ts";
import { HostProbe } from "./host.ts";
import { LocalApi } from "./local-api.ts";
import { MeterEventRecorder } from "./meter-events.ts";
import { Meters } from "./meters.ts";
import { PrepaidEngine } from "../billing/engine.ts";
import { PrepaidOperations } from "../billing/operations.ts";
import { compilePrepaidSettings } from "../billing/settings.ts";
import { ReadingFlow } from "./reading-flow.ts";
import { ReadingIngest } from "../ingest/ingest.ts";
import { planReload, storeReload } from "./reload.ts";
import { Schedules } from "./schedules.ts";
import { Storage } from "./storage.ts";
import { StoreFailures } from "./store-failures.ts";
import { UplinkFeature } from "./uplink-feature.ts";
import { createExecutor, type ExecutorPorts } from "./executor.ts";

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
  /** Port of the local HTTP API once started. */
  httpPort: number | undefined;
  private readonly clockHealth: GatewayClockHealth;
  /** Batches of readings that could not be stored (for /healthz, /status, /metrics). */
  private readonly storeFailures: StoreFailures;
  // The features, in start order; stop() takes them down in reverse.
  private storage: Storage | undefined;
  private meters: Meters | undefined;
  private engineRef: PrepaidEngine | undefined;
  private ops: PrepaidOperations | undefined;
  private uplinkFeature: UplinkFeature | undefined;
  private readingFlow: ReadingFlow | undefined;
  private meterEvents: MeterEventRecorder | undefined;
  private schedules: Schedules | undefined;
  private host: HostProbe | undefined;
  private localApi: LocalApi | undefined;

  constructor(
    private currentConfig: Config,
    private readonly deps: GatewayDeps,
  ) {
    this.events = new EventBus<GatewayEvents>((event, error) =>
      deps.logger.error({ err: error, event }, "event handler failed"),
    );
    this.clockHealth = new GatewayClockHealth(deps.clock, () => this.engine.settings.policy.clockToleranceMs);
    this.storeFailures = new StoreFailures(deps.clock);
  }

  get config(): Config {
    return this.currentConfig;
  }
  get store(): Store {
    return required(this.storage, "store").store;
  }
  get operations(): PrepaidOperations {
    return required(this.ops, "operations");
  }
  /** The MQTT uplink, when configured. */
  get uplink(): Uplink | undefined {
    return this.uplinkFeature?.uplink;
  }
  private get engine(): PrepaidEngine {
    return required(this.engineRef, "engine");
  }

  async start(): Promise<void> {
    const { clock, logger } = this.deps;
    const { dataDir, diskReserveMiB, timezone, httpPort } = this.config.gateway;
    this.clockHealth.start();
    this.storage = new Storage({ dataDir, diskReserveMiB, clock, logger });
    this.storage.start();
    const { store, disk } = this.storage;
    const meters = this.startBilling(store, disk);
    const uplink = (this.uplinkFeature = new UplinkFeature({
      config: this.config,
      store,
      clock,
      uplinkClock: this.deps.uplinkClock ?? clock,
      logger,
      meters,
      version: this.deps.version ?? "0.0.0",
      executor: this.executorPorts(),
    }));
    this.startRecording(store, disk, meters, uplink);
    await uplink.start();
    meters.start();
    const meterAccount = () => this.engine.settings.meterAccount;
    this.schedules = new Schedules({ clock, logger, store, timezone, dataDir, meterAccount });
    this.schedules.start();
    this.host = new HostProbe(clock);
    this.host.start();
    if (httpPort !== undefined || this.config.http?.listen !== undefined)
      this.httpPort = await this.startLocalApi(httpPort, this.host);
    const { id } = this.config.gateway;
    logger.info(
      { gatewayId: id, buses: this.config.buses.length, meters: this.config.meters.length },
      "gateway started",
    );
  }

  /** The meters (buses built, not polling yet), the engine on them and its operations; loads the accounts. */
  private startBilling(store: Store, disk: DiskGuard): Meters {
    const { clock, wireClock, logger, profiles, transportFactory } = this.deps;
    const meterAccount = () => this.engine.settings.meterAccount;
    const meters = (this.meters = new Meters({
      clock,
      wireClock,
      events: this.events,
      profiles,
      transportFactory,
      store,
      meterAccount,
    }));
    meters.configure(this.config);
    const settings = compilePrepaidSettings(this.config);
    const hasRelay = (meterId: string) => meters.hasRelay(meterId);
    const engine = (this.engineRef = new PrepaidEngine({
      store,
      clock,
      logger,
      settings,
      relay: meters,
      hasRelay,
    }));
    this.ops = new PrepaidOperations(engine, store);
    if (!disk.write(() => engine.start(), 0))
      logger.error("disk full: accounts and decisions not loaded yet");
    return meters;
  }

  /** Readings into stored batches (then meter states out), and bus and meter states into events. */
  private startRecording(store: Store, disk: DiskGuard, meters: Meters, uplink: UplinkFeature): void {
    const { clock, logger } = this.deps;
    const engine = this.engine;
    const ingest = new ReadingIngest(store, engine);
    this.readingFlow = new ReadingFlow({
      clock,
      logger,
      events: this.events,
      store,
      disk,
      failures: this.storeFailures,
      ingest: (batch) => ingest.ingest(batch),
      afterStored: (batch) => {
        uplink.outboxChanged();
        for (const reading of batch) {
          meters.remember([reading]);
          uplink.publishMeterState(reading.meterId);
        }
      },
    });
    this.readingFlow.start();
    const onMeterState = (meterId: string) => uplink.publishMeterState(meterId);
    this.meterEvents = new MeterEventRecorder({ events: this.events, store, logger, onMeterState });
    this.meterEvents.start();
  }

  /** Status, health, metrics, the local top-up and the web page on 127.0.0.1:`port` (and `http.listen`). */
  private startLocalApi(port: number | undefined, host: HostProbe): Promise<number | undefined> {
    const { store, disk } = required(this.storage, "store");
    const uplink = this.uplinkFeature;
    this.localApi = new LocalApi({
      port,
      events: this.events,
      config: () => this.config,
      meters: required(this.meters, "meters"),
      store,
      storeFailures: this.storeFailures,
      clock: this.clockHealth,
      host,
      operations: this.operations,
      meterHealth: (meterId) => this.engine.meterHealth(meterId),
      disk: () => disk.snapshot(),
      busStates: required(this.meterEvents, "meter events").busStates,
      uplinkConnected: () => uplink?.uplink?.connected,
      lastPublishAtMs: () => uplink?.uplink?.delivery?.lastPublishAtMs ?? null,
      executor: createExecutor(this.executorPorts()),
      relaysSettled: () => this.engine.relaysSettled(),
      version: this.deps.version ?? "0.0.0",
      timers: this.deps.wireClock ?? this.deps.clock,
      logger: this.deps.logger,
    });
    return this.localApi.start();
  }

  /**
   * Applies a reloaded config (SIGHUP): meters, buses, accounts, tariffs and policy change in place;
   * the rest needs a restart and is named. Returns what was applied and what was not.
   */
  async reload(next: Config): Promise<{ applied: string[]; needsRestart: string[] }> {
    const prev = this.currentConfig;
    const plan = planReload(prev, next);
    this.currentConfig = plan.config;
    if (plan.applied.includes("buses") || plan.applied.includes("meters"))
      await required(this.meters, "meters").restart(this.currentConfig);
    const settings = compilePrepaidSettings(this.currentConfig);
    storeReload(this.store, prev, next, settings, plan);
    this.engine.replaceSettings(settings);
    return { applied: [...plan.applied], needsRestart: plan.needsRestart };
  }

  /**
   * Stops in the order the data flows: no new polls, the polls in hand finish, the last batch is stored
   * (and published) while the buses, engine and uplink it needs still exist, the relay operations it
   * decided finish on the still-open buses, then buses, uplink and database close.
   */
  /** What the platform's commands act on (the uplink's executor; the bench builds its own uplink on it). */
  executorPorts(): ExecutorPorts {
    return {
      operations: this.operations,
      store: this.store,
      meters: required(this.meters, "meters"),
      clock: this.clockHealth,
      config: () => this.config,
    };
  }

  async stop(): Promise<void> {
    this.schedules?.stop();
    this.host?.stop();
    this.storage?.stopWatching();
    await this.localApi?.stop();
    await this.meters?.stopPolling(stopDrainMs);
    this.readingFlow?.flush();
    await this.engineRef?.stop();
    await this.meters?.stop();
    // A poll still in hand after the drain bound ended while the buses closed: store its reading too.
    this.readingFlow?.stop();
    this.meterEvents?.stop();
    // Last: the records of the final batch are in the outbox; stop() publishes `offline` and disconnects.
    await this.uplinkFeature?.stop();
    this.storage?.close();
    this.deps.logger.info("gateway stopped");
  }
}

/** How long a stop waits for the polls in hand before closing the buses anyway, ms. */
const stopDrainMs = 2000;

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`gateway not started: no ${name}`);
  return value;
}
