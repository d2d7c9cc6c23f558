/**
 * The composition root: builds every feature from the frozen config and injected parts, hands each the
 * narrow ports it reads (ports.ts), starts them in order and stops them in reverse. Constructors only
 * store; start() does the work.
 */
import { EventBus } from "../../core/event-bus.ts";
import type { PrepaidOperations } from "../billing/operations.ts";
import { localSocketPath, type Config } from "../config/index.ts";
import type { GatewayEvents } from "../events.ts";
import type { Store } from "../store/index.ts";
import type { Uplink } from "../uplink/index.ts";
import { BillingFeature } from "./billing-feature.ts";
import { GatewayClockHealth } from "./clock-health.ts";
import { EventLog } from "./event-log.ts";
import type { GatewayDeps } from "./gateway-deps.ts";
import type { ExecutorPorts } from "./command-executor.ts";
import { HostProbe } from "./host.ts";
import { LocalApi } from "./local-api.ts";
import { Recording } from "./recording.ts";
import { Schedules } from "./schedules.ts";
import { Storage } from "./storage.ts";
import { StoreFailures } from "./store-failures.ts";
import { UplinkFeature } from "./uplink-feature.ts";
import { configReloadRefusedEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import type { Terminals } from "../terminals/terminals.ts";
import { buildTerminals } from "./terminals-feature.ts";

export type { GatewayDeps } from "./gateway-deps.ts";

export class Gateway {
  readonly events: EventBus<GatewayEvents>;
  /** Port of the local HTTP API once started. */
  httpPort: number | undefined;
  private readonly clockHealth: GatewayClockHealth;
  /** Batches of readings that could not be stored (for /healthz, /status, /metrics). */
  private readonly storeFailures: StoreFailures;
  private readonly host: HostProbe;
  // The features, in start order; stop() takes them down in reverse.
  private storage: Storage | undefined;
  private billing: BillingFeature | undefined;
  private uplinkFeature: UplinkFeature | undefined;
  private recording: Recording | undefined;
  private schedules: Schedules | undefined;
  private localApi: LocalApi | undefined;
  private eventLog: EventLog | undefined;
  private terminals: Terminals | undefined;

  constructor(
    private currentConfig: Config,
    private readonly deps: GatewayDeps,
  ) {
    this.events = new EventBus<GatewayEvents>((event, error) =>
      deps.logger.error({ err: error, event }, "event handler failed"),
    );
    const toleranceMs = () => this.started.engine.settings.policy.clockToleranceMs;
    this.clockHealth = new GatewayClockHealth(deps.clock, toleranceMs);
    this.storeFailures = new StoreFailures(deps.clock);
    this.host = new HostProbe(deps.clock);
  }

  get config(): Config {
    return this.currentConfig;
  }
  get store(): Store {
    return required(this.storage, "store").store;
  }
  get operations(): PrepaidOperations {
    return this.started.operations;
  }
  /** The MQTT uplink, when configured. */
  get uplink(): Uplink | undefined {
    return this.uplinkFeature?.uplink;
  }
  private get started(): BillingFeature {
    return required(this.billing, "billing");
  }

  async start(): Promise<void> {
    const { clock, logger } = this.deps;
    const { dataDir, diskReserveMiB, timezone, httpPort, id } = this.config.gateway;
    this.clockHealth.start();
    const storage = (this.storage = new Storage({ dataDir, diskReserveMiB, clock, logger }));
    storage.start();
    const { store, disk } = storage;
    if (this.deps.logEvents !== false) {
      this.eventLog = new EventLog({ store, logger, clock: this.deps.wireClock ?? clock });
      this.eventLog.start();
    }
    const clockTrusted = () => this.clockHealth.check().ok;
    const billingDeps = { ...this.deps, events: this.events, store, disk, clockTrusted };
    const billing = (this.billing = new BillingFeature(this.config, billingDeps));
    billing.start();
    this.terminals = buildTerminals(this.config, {
      ...{ store, clock, logger, billing },
      outboxChanged: () => this.uplinkFeature?.outboxChanged(),
    });
    const uplinkClock = this.deps.uplinkClock ?? clock;
    const version = this.deps.version ?? "0.0.0";
    const uplink = (this.uplinkFeature = new UplinkFeature({
      ...{ config: this.config, store, clock, uplinkClock, logger, meters: billing.meters, version },
      executor: this.executorPorts(),
      onPlatformMessage: () => billing.silence.heard(),
    }));
    const { meters, engine } = billing;
    this.recording = new Recording({
      ...{ clock, logger, events: this.events, store, disk, failures: this.storeFailures },
      ...{ billing: engine, directory: meters, uplink },
    });
    this.recording.start();
    await uplink.start();
    billing.startPolling();
    this.terminals?.start();
    const meterAccount = () => billing.engine.settings.meterAccount;
    this.schedules = new Schedules({ clock, logger, store, timezone, dataDir, meterAccount });
    this.schedules.start();
    this.host.start();
    this.httpPort = await this.startLocalApi(httpPort);
    const counts = { buses: this.config.buses.length, meters: this.config.meters.length };
    logger.info({ gatewayId: id, ...counts }, "gateway started");
  }

  /**
   * Status, health, metrics, the local top-up and the technician's commands on the Unix socket and on
   * 127.0.0.1:`port` when set; resolves with the port bound.
   */
  private startLocalApi(port: number | undefined): Promise<number | undefined> {
    const { store, disk } = required(this.storage, "store");
    const { meters, engine, operations } = this.started;
    const uplink = this.uplinkFeature;
    this.localApi = new LocalApi({
      ...{ port, events: this.events, meters, store, operations, host: this.host },
      socketPath: localSocketPath(this.config.gateway),
      technician: {
        ...{ ports: this.executorPorts(), store, clock: this.deps.clock, logger: this.deps.logger },
        relaysSettled: () => engine.relaysSettled(),
        flushReadings: () => this.recording?.flush(),
      },
      ...{ storeFailures: this.storeFailures, clock: this.clockHealth, config: () => this.config },
      meterHealth: (meterId) => engine.meterHealth(meterId),
      tariffView: (accountId) => operations.tariffs.tariffView(accountId),
      disk: () => disk.snapshot(),
      busStates: required(this.recording, "recording").busStates,
      uplinkConnected: () => uplink?.uplink?.connected,
      platformContact: () => this.started.silence.status(),
      terminals: this.terminals === undefined ? undefined : () => this.terminals?.statusRows() ?? [],
      lastPublishAtMs: () => uplink?.uplink?.delivery?.lastPublishAtMs ?? null,
      ...{ version: this.deps.version ?? "0.0.0", timers: this.deps.wireClock ?? this.deps.clock },
    });
    return this.localApi.start();
  }

  /**
   * Applies a reloaded config (SIGHUP): meters, buses, accounts, tariffs and policy change in place;
   * the rest needs a restart and is named. Returns what was applied and what was not.
   */
  async reload(next: Config): Promise<{ applied: string[]; needsRestart: string[] }> {
    const { config, applied, needsRestart } = await this.started.reload(this.currentConfig, next);
    this.currentConfig = config;
    this.uplinkFeature?.reloadKeys(next);
    return { applied, needsRestart };
  }

  /**
   * A SIGHUP whose config did not load (a bad file, or a key file that cannot be read): nothing
   * changed; recorded as `config.reload-refused` so the platform sees it too.
   * @param problems each as check-config prints it
   */
  reloadRefused(problems: readonly string[]): void {
    const store = this.store;
    store.transaction(() => recordEvent(store, configReloadRefusedEvent(problems)));
    this.uplinkFeature?.outboxChanged();
  }

  /** What the platform's commands act on (the uplink's executor; the bench builds its own uplink on it). */
  executorPorts(): ExecutorPorts {
    const { operations, meters, relayForward } = this.started;
    const config = () => this.config;
    const terminals = this.terminals;
    return {
      operations,
      store: this.store,
      meters,
      clock: this.clockHealth,
      config,
      relayForward,
      terminals,
    };
  }

  /**
   * Stops in the order the data flows: no new polls, the polls in hand finish, the last batch is stored
   * (and published) while the buses, engine and uplink it needs still exist, the relay operations it
   * decided finish on the still-open buses, then buses, uplink and database close.
   */
  async stop(): Promise<void> {
    this.schedules?.stop();
    this.host.stop();
    this.storage?.stopWatching();
    await this.localApi?.stop();
    this.terminals?.stop();
    await this.billing?.stopPolling(stopDrainMs);
    this.recording?.flush();
    await this.billing?.stop();
    // A poll still in hand after the drain bound ended while the buses closed: store its reading too.
    this.recording?.stop();
    // Last: the records of the final batch are in the outbox; stop() publishes `offline` and disconnects.
    await this.uplinkFeature?.stop();
    this.eventLog?.stop();
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
