/**
 * The audit trail of commands: every executed and every refused command leaves a row in the append-only
 * `events` table and an `events` outbox record, written in the caller's unit of work (for an executed
 * mutation, the same one that applied it and remembered its transaction).
 */
import type { Store } from "../../store/index.ts";
import { commandExecutedEvent, commandRefusedEvent } from "../event-specs/index.ts";
import { enqueueRecord, type EventSpec } from "../outbox-writer.ts";
import type { EventBody } from "../records.ts";
import type { Refusal } from "./response.ts";

/** Account and meter a request refers to, for filtering the audit trail. */
export interface CommandRefs {
  readonly accountId?: string;
  readonly meterId?: string;
}

/** Reads `account` / `meter` from a (possibly invalid) request, when they are short strings. */
export function refsOf(request: unknown): CommandRefs {
  if (typeof request !== "object" || request === null) return {};
  const pick = (key: string): string | undefined => {
    const value = (request as Record<string, unknown>)[key];
    return typeof value === "string" && value.length > 0 && value.length <= 64 ? value : undefined;
  };
  const accountId = pick("account");
  const meterId = pick("meter");
  return { ...(accountId === undefined ? {} : { accountId }), ...(meterId === undefined ? {} : { meterId }) };
}

function write(store: Store, key: (eventId: number) => string, spec: EventSpec): void {
  const body: EventBody = { kind: "event", ...spec };
  const stored = store.events.insert({
    type: body.type,
    severity: body.severity,
    ...(body.meterId === undefined ? {} : { meterId: body.meterId }),
    ...(body.accountId === undefined ? {} : { accountId: body.accountId }),
    payload: body.data,
  });
  enqueueRecord(store.outbox, "events", key(stored.id), body);
}

/**
 * Records a refusal. `suppressed` counts earlier refusals that were answered but not audited because
 * unauthenticated senders exceeded the audit rate.
 */
export function auditRefusal(
  store: Store,
  refusal: Refusal,
  refs: CommandRefs,
  suppressed: number,
  source?: string,
): void {
  store.transaction(() =>
    write(store, (id) => `command.refused:${id}`, commandRefusedEvent(refusal, refs, suppressed, source)),
  );
}

/**
 * Records an executed command; call inside the unit of work that executed it. `source`: who asked when
 * it was not the platform (a local technician), recorded in the event's data.
 */
export function auditExecuted(
  store: Store,
  command: string,
  transaction: string,
  refs: CommandRefs,
  source?: string,
): void {
  write(
    store,
    () => `command.executed:${transaction}`,
    commandExecutedEvent(command, transaction, refs, source),
  );
}
