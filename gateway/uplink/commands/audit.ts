/**
 * The audit trail of commands: every executed and every refused command leaves a row in the append-only
 * `events` table and an `events` outbox record, written in the caller's unit of work (for an executed
 * mutation, the same one that applied it and remembered its transaction).
 */
import type { Store } from "../../store/index.ts";
import { enqueueRecord } from "../outbox-writer.ts";
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

/** Codes that suggest someone is trying to forge or replay commands. */
const suspicious = new Set(["BAD_SIGNATURE", "WRONG_GATEWAY", "REPLAYED"]);

function write(store: Store, key: (eventId: number) => string, body: EventBody): void {
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
export function auditRefusal(store: Store, refusal: Refusal, refs: CommandRefs, suppressed: number): void {
  store.transaction(() =>
    write(store, (id) => `command.refused:${id}`, {
      kind: "event",
      type: "command.refused",
      severity: suspicious.has(refusal.code) ? "critical" : "warning",
      ...refs,
      message: `${refusal.command} refused: ${refusal.code}`,
      data: {
        command: refusal.command,
        transaction: refusal.transaction,
        code: refusal.code,
        message: refusal.message,
        ...(suppressed > 0 ? { suppressedBefore: suppressed } : {}),
      },
    }),
  );
}

/** Records an executed command; call inside the unit of work that executed it. */
export function auditExecuted(store: Store, command: string, transaction: string, refs: CommandRefs): void {
  write(store, () => `command.executed:${transaction}`, {
    kind: "event",
    type: "command.executed",
    severity: command === "relay" ? "warning" : "info",
    ...refs,
    message: `${command} executed`,
    data: { command, transaction },
  });
}
