/**
 * Writes what the prepaid engine decides into the store: audit events and the outbox records the
 * uplink publishes. Callers run these inside the unit of work of the state change they record.
 */
import type { Store } from "../../store/index.ts";
import { formatMoneyE7, formatPriceE4, type ChargePart } from "../../prepaid/index.ts";
import type { BillingBody, EventBody, ReadingsBody } from "../../uplink/records.ts";

export type EventSpec = Omit<EventBody, "kind">;

const storeSeverity = { info: "info", warning: "warning", critical: "critical" } as const;

/** Records an event: an audit row and an `events` outbox record, keyed by the audit row id. */
export function recordEvent(store: Store, spec: EventSpec): void {
  const body: EventBody = { kind: "event", ...spec };
  const stored = store.events.insert({
    type: spec.type,
    severity: storeSeverity[spec.severity],
    ...(spec.meterId === undefined ? {} : { meterId: spec.meterId }),
    ...(spec.accountId === undefined ? {} : { accountId: spec.accountId }),
    payload: body,
  });
  store.outbox.enqueue("events", `event:${stored.id}`, body);
}

/** Records a billing record under an idempotency key that names what it is about. */
export function recordBilling(store: Store, key: string, body: BillingBody): void {
  store.outbox.enqueue("billing", key, body);
}

/** A unique key for billing records that have no natural id (top-up refusals, snapshots). */
export function nextBillingKey(store: Store, prefix: string): string {
  return `${prefix}:${store.kv.increment("prepaid.billingKey")}`;
}

export function recordReadings(store: Store, body: ReadingsBody, readingIds: readonly number[]): void {
  const { id } = store.outbox.enqueue("readings", `readings:${readingIds[0]}`, body);
  store.readings.linkOutbox(readingIds, id);
}

export const money = formatMoneyE7;

export function chargeParts(
  parts: readonly ChargePart[],
): Array<Extract<BillingBody, { kind: "charge" }>["parts"][number]> {
  return parts.map((p) => ({
    energyWh: p.wh,
    price: formatPriceE4(p.priceE4),
    period: p.period,
    tier: p.tier,
    amount: formatMoneyE7(p.amountE7),
  }));
}
