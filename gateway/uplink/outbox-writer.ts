/**
 * The one outbox writer: every record the uplink will publish is checked against its stream's schema
 * (records.ts) before it is inserted, so a malformed record fails loudly where it is made (the caller's
 * unit of work rolls back) instead of being discovered by the platform. Events, billing records and
 * reading batches are all queued here; nothing else calls `outbox.enqueue` with a stream body.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { Outbox, Store } from "../store/index.ts";
import type { BillingBody, EventBody, ReadingsBody, StreamBody, StreamName } from "./records.ts";
import { streamSchemas } from "./records.ts";
import { chargeBodyProblem, readingsBodyProblem, type RecordProblem } from "./record-checks.ts";

/** An event as its producers describe it (the `kind` is added here). */
export type EventSpec = Omit<EventBody, "kind">;

/**
 * Validates `body` against its stream's schema and queues it, joining the caller's unit of work.
 * The body is stored as given (same key order as before validation existed). Re-enqueueing a key
 * returns the original record.
 * @throws GatewayError(Internal) naming the first invalid field.
 */
export function enqueueRecord<S extends StreamName>(
  outbox: Outbox,
  stream: S,
  key: string,
  body: StreamBody<S>,
): ReturnType<Outbox["enqueue"]> {
  const problem = recordProblem(stream, body);
  if (problem !== undefined) {
    throw new GatewayError(ErrorCode.Internal, `invalid ${stream} record: ${problem.message}`, {
      stream,
      key,
      path: problem.path,
    });
  }
  return outbox.enqueue(stream, key, body);
}

/**
 * The first problem of a record against its stream's schema. The two records made per reading (a
 * readings batch, a charge) are checked by hand with the same rules (record-checks.ts), the rest by zod.
 */
function recordProblem(stream: StreamName, body: unknown): RecordProblem | undefined {
  if (stream === "readings") return readingsBodyProblem(body);
  if (stream === "billing" && (body as { kind?: unknown }).kind === "charge")
    return chargeBodyProblem(body as Record<string, unknown>);
  const parsed = streamSchemas[stream].safeParse(body);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return { path: issue?.path.join(".") ?? "", message: issue?.message ?? "invalid" };
}

/** Records an event: an audit row and an `events` outbox record, keyed by the audit row id. */
export function recordEvent(store: Store, spec: EventSpec): void {
  const body: EventBody = { kind: "event", ...spec };
  const stored = store.events.insert({
    type: spec.type,
    severity: spec.severity,
    ...(spec.meterId === undefined ? {} : { meterId: spec.meterId }),
    ...(spec.accountId === undefined ? {} : { accountId: spec.accountId }),
    payload: body,
  });
  enqueueRecord(store.outbox, "events", `event:${stored.id}`, body);
}

/** Records a billing record under an idempotency key that names what it is about. */
export function recordBilling(store: Store, key: string, body: BillingBody): void {
  enqueueRecord(store.outbox, "billing", key, body);
}

/** A unique key for billing records that have no natural id (top-up refusals, snapshots). */
export function nextBillingKey(store: Store, prefix: string): string {
  return `${prefix}:${store.kv.increment("prepaid.billingKey")}`;
}

/**
 * Queues a batch of readings about to be stored under the ids its records carry, and returns the
 * record's outbox id for the rows (ReadingRepository.insertBatch) in the same unit of work.
 */
export function enqueueReadings(store: Store, body: ReadingsBody): number {
  return enqueueRecord(store.outbox, "readings", `readings:${body.readings[0]!.readingId}`, body).id;
}

/** Queues a batch of stored readings and links each row to the record that carries it. */
export function recordReadings(store: Store, body: ReadingsBody, readingIds: readonly number[]): void {
  const { id } = enqueueRecord(store.outbox, "readings", `readings:${readingIds[0]}`, body);
  store.readings.linkOutbox(readingIds, id);
}
