/**
 * Billing as a feature: the meters (buses built from config, the relay port), the prepaid engine on
 * them and the operations commands go through. start() loads the accounts; reload() applies a new
 * config; stopping is in two steps because the last batch must be stored between them (gateway.ts).
 */
import type { Clock } from "../../core/clock.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { Logger } from "../../core/logger.ts";
import type { TransportFactory } from "../../protocols/modbus/transport/transport.ts";
import type { Dlt645LinkFactory } from "../../protocols/dlt645/transport/link.ts";
import type { ProfileRegistry } from "../../protocols/profiles/load.ts";
import { PrepaidEngine } from "../billing/engine.ts";
import { PrepaidOperations } from "../billing/operations.ts";
import { PlatformSilence } from "../billing/platform-silence.ts";
import { compilePrepaidSettings } from "../billing/settings.ts";
import type { Config } from "../config/index.ts";
import type { GatewayEvents } from "../events.ts";
import type { Store } from "../store/index.ts";
import type { DiskGuard } from "./disk-guard.ts";
import { MeterCare } from "./meter-care.ts";
import { Meters } from "./meters.ts";
import { RelayForwarder } from "./relay-forward.ts";
import { planReload, storeReload } from "./reload.ts";

export interface BillingFeatureDeps {
  clock: Clock;
  /** Clock of wire-level bounds; see GatewayDeps.wireClock. */
  wireClock?: Clock;
  logger: Logger;
  events: EventBus<GatewayEvents>;
  profiles: ProfileRegistry;
  dlt645LinkFactory?: Dlt645LinkFactory | undefined;
  transportFactory: TransportFactory;
  store: Store;
  disk: DiskGuard;
  /** Whether the gateway's own clock is trusted now (meter time sync runs only then). */
  clockTrusted: () => boolean;
}

/** What a config reload changed: applied in place, or named as needing a restart. */
export interface ReloadOutcome {
  config: Config;
  applied: string[];
  needsRestart: string[];
}

export class BillingFeature {
  readonly meters: Meters;
  readonly engine: PrepaidEngine;
  readonly operations: PrepaidOperations;
  /** Secured (ESAM) relay commands the platform has encrypted, forwarded to the meter (`relay.forward`). */
  readonly relayForward: RelayForwarder;
  /** Platform silence: keep-power while no valid platform message arrives (policy.keepPowerAfterSilenceMin). */
  readonly silence: PlatformSilence;
  /** DL/T 645 meter care: broadcast time sync, status-word events, the frozen-data check. */
  private readonly care: MeterCare;

  constructor(
    config: Config,
    private readonly deps: BillingFeatureDeps,
  ) {
    const { clock, wireClock, logger, events, profiles, transportFactory, dlt645LinkFactory, store } = deps;
    const meterAccount = () => this.engine.settings.meterAccount;
    const timeZone = config.gateway.timezone;
    this.meters = new Meters({
      ...{ clock, wireClock, events, profiles, transportFactory, dlt645LinkFactory, timeZone, store },
      meterAccount,
    });
    const hasRelay = (meterId: string) => this.meters.hasRelay(meterId);
    const settings = compilePrepaidSettings(config);
    const balanceShown = (meterIds: readonly string[]) => {
      for (const meterId of meterIds) events.emit("meter.shown", { meterId, cause: "balance" });
    };
    const contact = () => this.silence.contact();
    this.engine = new PrepaidEngine({
      ...{ store, clock, logger, settings, relay: this.meters },
      ...{ hasRelay, balanceShown, contact },
    });
    this.silence = new PlatformSilence({
      ...{ store, clock, logger, watched: config.mqtt !== undefined },
      policy: () => this.engine.settings.policy,
      onContactReturned: () => this.engine.reconsider(),
    });
    this.operations = new PrepaidOperations(this.engine, store);
    this.meters.configure(config);
    const meters = this.meters;
    const accountOf = (meterId: string) => meters.accountOf(meterId);
    this.relayForward = new RelayForwarder({ store, logger, meters: meters.controls, accountOf });
    this.care = new MeterCare({
      ...{ clock, events, store, logger, meters, timeZone, clockTrusted: deps.clockTrusted },
      awaitingButton: (meterId) => this.engine.states.peekMeter(meterId).decision?.awaitingButton === true,
    });
  }

  /** Loads the accounts and pending decisions (the buses are built; polling starts with startPolling). */
  start(): void {
    // First: the keep-power after boot counts from here, and the decisions re-evaluated below read it.
    this.silence.start();
    if (!this.deps.disk.write(() => this.engine.start(), 0))
      this.deps.logger.error("disk full: accounts and decisions not loaded yet");
  }

  /** Polling, and the meter care that runs beside it. */
  startPolling(): void {
    this.meters.start();
    this.care.start();
  }

  /**
   * Applies a reloaded config (SIGHUP): meters, buses, accounts, tariffs and policy change in place;
   * the rest needs a restart and is named.
   */
  async reload(prev: Config, next: Config): Promise<ReloadOutcome> {
    const plan = planReload(prev, next);
    if (plan.applied.includes("buses") || plan.applied.includes("meters"))
      await this.meters.restart(plan.config);
    const settings = compilePrepaidSettings(plan.config);
    storeReload(this.deps.store, prev, next, settings, plan, this.deps.clock.now());
    this.engine.replaceSettings(settings);
    this.silence.policyChanged();
    return { config: plan.config, applied: [...plan.applied], needsRestart: plan.needsRestart };
  }

  /** No new polls; waits up to `maxWaitMs` for the polls in hand. */
  async stopPolling(maxWaitMs: number): Promise<void> {
    await this.care.stop();
    await this.meters.stopPolling(maxWaitMs);
  }

  /** The relay operations already decided finish on the still-open buses, then the buses close. */
  async stop(): Promise<void> {
    this.silence.stop();
    await this.engine.stop();
    await this.meters.stop();
  }
}
