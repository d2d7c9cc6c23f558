/**
 * Publishes the retained `status` topic: `online` with health figures at connect and every
 * statusIntervalSec, `offline` on a clean stop (the same payload with reason `connection-lost` is the
 * last will, registered at connect).
 */
import type { MqttClient } from "mqtt";
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import type { OutboxDelivery } from "./delivery.ts";
import { commandNames } from "./commands/catalog.ts";
import { CONTRACT_VERSION, schemaIdBase } from "./envelope.ts";
import { streamSchemas } from "./records.ts";
import type { ContractInfo, StatusInfo, StatusPayload } from "./retained-topics.ts";
import type { GatewayTopics } from "./topics.ts";

/** Options of {@link StatusReporter}. */
export interface StatusReporterOptions {
  readonly gatewayId: string;
  readonly version: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly store: Store;
  readonly topics: GatewayTopics;
  readonly delivery: OutboxDelivery;
  readonly statusProvider: () => StatusInfo;
  /** When the gateway process started: epoch ms and monotonic ms. */
  readonly startedAt: { readonly wallMs: number; readonly monoMs: number };
  /** The key ids in force, for the online status. */
  readonly keys: () => { commandKeys: string[]; uplinkKey: string | null };
  /** Signs a serialised status (keys/seal.ts). */
  readonly seal: (json: string) => string;
}

/** The contract this gateway speaks, as the online status lists it. */
export const contractInfo: ContractInfo = {
  version: CONTRACT_VERSION,
  schemas: schemaIdBase,
  streams: Object.keys(streamSchemas),
  commands: [...commandNames],
};

export class StatusReporter {
  private timer: TimerHandle | undefined;

  constructor(private readonly options: StatusReporterOptions) {}

  /** The `online` payload as of now. */
  online(): StatusPayload {
    const { clock, store, delivery, startedAt, logger } = this.options;
    let meters = { total: 0, online: 0, offline: 0 };
    try {
      meters = { ...this.options.statusProvider().meters };
    } catch (error) {
      logger.warn({ err: error }, "status provider failed");
    }
    return {
      v: CONTRACT_VERSION,
      gatewayId: this.options.gatewayId,
      state: "online",
      version: this.options.version,
      wallMs: clock.now(),
      startedAtMs: startedAt.wallMs,
      uptimeSec: Math.max(0, Math.floor((clock.monotonicMs() - startedAt.monoMs) / 1000)),
      meters,
      backlog: { total: store.outbox.backlogCount(), byStream: store.outbox.backlogByStream() },
      lastPublishAtMs: delivery.lastPublishAtMs,
      contract: contractInfo,
      keys: this.options.keys(),
    };
  }

  /** The `offline` payload. */
  offline(reason: "shutdown" | "connection-lost"): StatusPayload {
    const { gatewayId, version, clock } = this.options;
    return { v: CONTRACT_VERSION, gatewayId, state: "offline", reason, version, wallMs: clock.now() };
  }

  /** Publishes `online` now and then every `intervalMs` until {@link stopTimer}. */
  startTimer(client: MqttClient, intervalMs: number): void {
    this.stopTimer();
    const tick = (): void => {
      this.publish(client, this.online());
      this.timer = this.options.clock.setTimeout(tick, intervalMs);
    };
    tick();
  }

  stopTimer(): void {
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Publishes `offline` (shutdown) and resolves on its PUBACK. */
  publishOffline(client: MqttClient): Promise<void> {
    const payload = this.options.seal(JSON.stringify(this.offline("shutdown")));
    return client
      .publishAsync(this.options.topics.status, payload, { qos: 1, retain: true })
      .then(() => undefined);
  }

  private publish(client: MqttClient, status: StatusPayload): void {
    if (!client.connected) return;
    const payload = this.options.seal(JSON.stringify(status));
    client.publish(this.options.topics.status, payload, { qos: 1, retain: true }, (error) => {
      if (error) this.options.logger.warn({ err: error.message }, "status not delivered");
    });
  }
}
