/**
 * Records what the buses report about themselves and their meters: `bus.state` and `meter.state` become
 * stored events (bus.up/down, meter.online/offline; the event log turns them into log lines), optional
 * quantities going missing or coming back become meter.quantity-* events, and a meter's state change is
 * handed on (the uplink publishes its retained state). Keeps the last state of each bus for /status and
 * /healthz, and which meters have answered since start (the first answer "answers", later ones "again").
 */
import type { EventBus } from "../../core/event-bus.ts";
import type { GatewayEvents } from "../events.ts";
import type { Store } from "../store/index.ts";
import { busEvent, meterLinkEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { recordQuantityChanges } from "./quantity-events.ts";

export interface MeterEventsDeps {
  readonly events: EventBus<GatewayEvents>;
  readonly store: Store;
  /** A meter went online or offline. */
  readonly onMeterState: (meterId: string) => void;
}

export class MeterEventRecorder {
  /** Last known state of each bus. */
  readonly busStates = new Map<string, "up" | "down">();
  private readonly answered = new Set<string>();
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly deps: MeterEventsDeps) {}

  start(): void {
    const { events, store } = this.deps;
    this.unsubscribe = [
      events.on("meter.state", (e) => this.meterState(e)),
      events.on("bus.state", (e) => this.busState(e)),
      recordQuantityChanges(events, store),
    ];
  }

  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  private meterState({ meterId, busId, state, counters }: GatewayEvents["meter.state"]): void {
    if (state === "unknown") return;
    const { store } = this.deps;
    this.deps.onMeterState(meterId);
    const online = state === "online";
    const firstContact = online && !this.answered.has(meterId);
    if (online) this.answered.add(meterId);
    store.transaction(() =>
      recordEvent(store, meterLinkEvent(meterId, busId, online, counters.lastError, firstContact)),
    );
  }

  private busState({ busId, state, error }: GatewayEvents["bus.state"]): void {
    const { store } = this.deps;
    this.busStates.set(busId, state);
    store.transaction(() => recordEvent(store, busEvent(busId, state === "up", error)));
  }
}
