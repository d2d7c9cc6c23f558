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
import type { StreamName } from "./records.ts";
import { streamSchemas } from "./records.ts";

const streamNamesInOrder = Object.keys(streamSchemas) as StreamName[];
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
  /** The current stream epoch (it changes when a restored database is detected, epoch-check.ts). */
  readonly currentEpoch: () => string;
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
      ...this.streamPosition(),
      keys: this.options.keys(),
    };
  }

  /** The epoch and, per stream, the seq the broker has acknowledged every record through. */
  streamPosition(): { epoch: string; ackedSeq: Record<string, number> } {
    const { outbox } = this.options.store;
    const ackedSeq = Object.fromEntries(streamNamesInOrder.map((s) => [s, outbox.ackedThroughSeq(s)]));
    return { epoch: this.options.currentEpoch(), ackedSeq };
  }

  /** Publishes `online` now (a changed epoch must not wait for the next tick). */
  publishOnline(client: MqttClient): string {
    const payload = this.options.seal(JSON.stringify(this.online()));
    this.publishPayload(client, payload);
    return payload;
  }

  /** The `offline` payload. */
  offline(reason: "shutdown" | "connection-lost"): StatusPayload {
    const { gatewayId, version, clock } = this.options;
    const position = this.streamPosition();
    return {
      v: CONTRACT_VERSION,
      gatewayId,
      state: "offline",
      reason,
      version,
      wallMs: clock.now(),
      ...position,
    };
  }

  /**
   * Publishes `online` now and then every `intervalMs` until {@link stopTimer}; returns the payload
   * published now (epoch-check.ts tells it from an older retained status by it).
   */
  startTimer(client: MqttClient, intervalMs: number): string {
    this.stopTimer();
    // A connection lost meanwhile has had its timer stopped: do not arm one it would keep.
    if (!client.connected) return "";
    const first = this.publishOnline(client);
    const tick = (): void => {
      this.publishOnline(client);
      this.timer = this.options.clock.setTimeout(tick, intervalMs);
    };
    this.timer = this.options.clock.setTimeout(tick, intervalMs);
    return first;
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

  private publishPayload(client: MqttClient, payload: string): void {
    if (!client.connected) return;
    client.publish(this.options.topics.status, payload, { qos: 1, retain: true }, (error) => {
      if (error) this.options.logger.warn({ err: error.message }, "status not delivered");
    });
  }
}
