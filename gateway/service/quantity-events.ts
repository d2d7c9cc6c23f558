/**
 * Optional quantities a meter does not answer (an SDM120 firmware without the serial-number register):
 * logged and recorded as an event once when they go missing and once when they come back, not on every
 * poll, so a technician sees the failed request and that the readings still stand.
 */
import type { EventBus } from "../../core/event-bus.ts";
import type { GatewayEvents } from "../events.ts";
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";

/** Subscribes to `meter.quantities`; returns the unsubscribe function. */
export function recordQuantityChanges(
  events: EventBus<GatewayEvents>,
  store: Store,
  logger: Logger,
): () => void {
  return events.on("meter.quantities", ({ meterId, busId, change }) => {
    const names = change.quantities.join(", ");
    const minutes = Math.round((change.retryMs ?? 0) / 60_000);
    const message =
      change.kind === "missing"
        ? `meter ${meterId}: ${names} not supported by this meter (${change.error ?? change.request}); ` +
          `readings go on without it, asked again every ${minutes} min`
        : `meter ${meterId}: ${names} answered again (${change.request})`;
    if (change.kind === "missing") logger.warn({ meterId, busId, ...change }, message);
    else logger.info({ meterId, busId, ...change }, message);
    store.transaction(() =>
      recordEvent(store, {
        type: change.kind === "missing" ? "meter.quantity-missing" : "meter.quantity-restored",
        severity: change.kind === "missing" ? "warning" : "info",
        meterId,
        message,
        data: {
          busId,
          quantities: [...change.quantities],
          request: change.request,
          ...(change.error === undefined ? {} : { error: change.error }),
          ...(change.retryMs === undefined ? {} : { retryMs: change.retryMs }),
        },
      }),
    );
  });
}
