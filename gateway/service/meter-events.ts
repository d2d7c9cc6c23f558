/**
 * Records what the buses report about themselves and their meters: `bus.state` and `meter.state` become
 * logged lines and stored events (bus.up/down, meter.online/offline), optional quantities going missing
 * or coming back become meter.quantity-* events, and a meter's state change is handed on (the uplink
 * publishes its retained state). Keeps the last state of each bus for /status and /healthz.
 */
import type { EventBus } from "../../core/event-bus.ts";
import type { Logger } from "../../core/logger.ts";
import type { GatewayEvents } from "../events.ts";
import type { Store } from "../store/index.ts";
import { busEvent, meterLinkEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { recordQuantityChanges } from "./quantity-events.ts";

export interface MeterEventsDeps {
  readonly events: EventBus<GatewayEvents>;
  readonly store: Store;
  readonly logger: Logger;
  /** A meter went online or offline. */
  readonly onMeterState: (meterId: string) => void;
}

export class MeterEventRecorder {
  /** Last known state of each bus. */
  readonly busStates = new Map<string, "up" | "down">();
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly deps: MeterEventsDeps) {}

  start(): void {
    const { events, store, logger } = this.deps;
    this.unsubscribe = [
      events.on("meter.state", (e) => this.meterState(e)),
      events.on("bus.state", (e) => this.busState(e)),
      recordQuantityChanges(events, store, logger),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  private meterState({ meterId, busId, state, counters }: GatewayEvents["meter.state"]): void {
    if (state === "unknown") return;
    const { store, logger } = this.deps;
    this.deps.onMeterState(meterId);
    const log = state === "online" ? logger.info.bind(logger) : logger.warn.bind(logger);
    log({ meterId, busId, state, lastError: counters.lastError }, `meter ${meterId} ${state}`);
    store.transaction(() =>
      recordEvent(store, meterLinkEvent(meterId, busId, state === "online", counters.lastError)),
    );
  }

  private busState({ busId, state, error }: GatewayEvents["bus.state"]): void {
    const { store, logger } = this.deps;
    this.busStates.set(busId, state);
    const log = state === "up" ? logger.info.bind(logger) : logger.warn.bind(logger);
    log({ busId, state, err: error?.message }, `bus ${busId} ${state}`);
    store.transaction(() => recordEvent(store, busEvent(busId, state === "up", error)));
  }
}
