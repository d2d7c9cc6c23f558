/**
 * Optional quantities a meter does not answer (an SDM120 firmware without the serial-number register):
 * recorded as an event (and so logged, event-log.ts) once when they go missing and once when they come
 * back, not on every poll, so a technician sees the failed request and that the readings still stand.
 */
import type { EventBus } from "../../core/event-bus.ts";
import type { GatewayEvents } from "../events.ts";
import type { Store } from "../store/index.ts";
import { quantityEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";

/** Subscribes to `meter.quantities`; returns the unsubscribe function. */
export function recordQuantityChanges(events: EventBus<GatewayEvents>, store: Store): () => void {
  return events.on("meter.quantities", ({ meterId, busId, change }) => {
    store.transaction(() => recordEvent(store, quantityEvent(meterId, busId, change)));
  });
}
