/**
 * The MQTT uplink as a feature of the gateway, when `mqtt` is configured: its status topic counts the
 * meters of the {@link MeterDirectory}, its commands run on the executor, and each meter's retained
 * state is published from the directory after a stored batch or a change of the meter's state, paced by
 * {@link MeterStatePacer} (`mqtt.meterStateIntervalMs`).
 */
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { Config } from "../config/index.ts";
import { formatMoneyE7, moneyStateOf } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { Uplink } from "../uplink/index.ts";
import { keysReloadedEvent, keysReloadFailedEvent } from "../uplink/event-specs/index.ts";
import { describeKeyRing } from "../uplink/keys/key-ring.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { uplinkSettings } from "../config/mqtt.ts";
import { createExecutor, type ExecutorPorts } from "./command-executor.ts";
import { MeterStatePacer, type SignificantState } from "./meter-state-pacer.ts";
import type { MeterDirectory } from "./ports.ts";

export interface UplinkFeatureDeps {
  readonly config: Config;
  readonly store: Store;
  /** Clock of the meter states' times. */
  readonly clock: Clock;
  /** Clock of the uplink itself (command validity, envelope times). */
  readonly uplinkClock: Clock;
  readonly logger: Logger;
  /** Software version for the status topic. */
  readonly version: string;
  readonly meters: MeterDirectory;
  readonly executor: ExecutorPorts;
  /** A valid platform message arrived (the keep-power silence watch hears it). */
  readonly onPlatformMessage?: () => void;
}

export class UplinkFeature {
  private uplinkRef: Uplink | undefined;
  private pacer: MeterStatePacer | undefined;

  constructor(private readonly deps: UplinkFeatureDeps) {}

  /** The running uplink; undefined without `mqtt` in the config. */
  get uplink(): Uplink | undefined {
    return this.uplinkRef;
  }

  async start(): Promise<void> {
    const { config, store, uplinkClock, logger, version, meters } = this.deps;
    if (config.mqtt === undefined) return;
    this.uplinkRef = new Uplink({
      config: config.mqtt,
      gatewayId: config.gateway.id,
      store,
      clock: uplinkClock,
      logger,
      version,
      statusProvider: () => ({ meters: meters.onlineCounts() }),
      executor: createExecutor(this.deps.executor),
      ...(this.deps.onPlatformMessage === undefined
        ? {}
        : { onPlatformMessage: this.deps.onPlatformMessage }),
    });
    this.pacer = new MeterStatePacer({
      clock: this.deps.clock,
      intervalMs: uplinkSettings(config.mqtt).meterStateIntervalMs,
      significant: (meterId, into) => this.significant(meterId, into),
      publish: (meterId) => this.publishNow(meterId),
    });
    await this.uplinkRef.start();
  }

  /** New records wait in the outbox: look now rather than at the next poll. */
  outboxChanged(): void {
    this.uplinkRef?.outboxChanged();
  }

  /**
   * SIGHUP: re-reads the key files `next` names (the same files too: a key may be replaced in place) and
   * records `keys.reloaded` when that changed the keys in force, or `keys.reload-failed` (the keys in
   * force stay) when a file cannot be used.
   */
  reloadKeys(next: Config): void {
    const uplink = this.uplinkRef;
    if (uplink === undefined || next.mqtt === undefined) return;
    const { store, logger } = this.deps;
    let event;
    try {
      if (!uplink.reloadKeys(next.mqtt)) return;
      event = keysReloadedEvent(describeKeyRing(uplink.keyRing));
      logger.info(describeKeyRing(uplink.keyRing), "keys reloaded");
    } catch (error) {
      const problem = (error as Error).message;
      event = keysReloadFailedEvent(problem, describeKeyRing(uplink.keyRing));
      logger.error({ problem }, "keys not reloaded: the keys in force stay");
    }
    store.transaction(() => recordEvent(store, event));
    uplink.outboxChanged();
  }

  /** A meter's state changed: its retained state (latest reading, balance, relay, online) goes out now or when due. */
  publishMeterState(meterId: string): void {
    this.pacer?.changed(meterId);
  }

  /** What a user acts on in the meter's state: a change of it is published at once. */
  private significant(meterId: string, into: SignificantState): void {
    const { meters } = this.deps;
    const account = meters.account(meterId);
    into.link = meters.live(meterId).state;
    into.relay = meters.relay(meterId) ?? "unknown";
    into.money = account === undefined ? "-" : moneyStateOf(account.balanceE7, account.thresholds);
    into.account = meters.accountOf(meterId);
  }

  private publishNow(meterId: string): void {
    const uplink = this.uplinkRef;
    if (uplink === undefined) return;
    const { meters } = this.deps;
    const reading = meters.lastReading(meterId);
    const counters = meters.live(meterId);
    const account = meters.account(meterId);
    uplink.publishMeterState(meterId, {
      wallMs: this.deps.clock.now(),
      online: counters.state !== "offline",
      lastSeenMs: counters.lastSeenMs ?? null,
      reading: reading === undefined ? null : { wallMs: reading.wallMs, values: reading.values },
      accountId: meters.accountOf(meterId) ?? null,
      balance: account === undefined ? null : formatMoneyE7(account.balanceE7),
      moneyState: account === undefined ? null : moneyStateOf(account.balanceE7, account.thresholds),
      relay: meters.relay(meterId) ?? "unknown",
    });
  }

  /** Publishes `offline` and disconnects; the records not yet delivered stay in the outbox. */
  async stop(): Promise<void> {
    this.pacer?.flushAll();
    await this.uplinkRef?.stop();
  }
}
