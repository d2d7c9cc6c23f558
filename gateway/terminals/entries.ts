/**
 * A keypad entry read from a terminal goes to the platform's `requests` stream through the durable
 * outbox, in one unit of work with the terminal's "pending" answer. The outbox key
 * `terminal:{terminalId}:{entryId}` is the idempotency key: an entry read again (the gateway stopped
 * between storing it and taking it off the terminal's queue) is queued once. The gateway never decodes
 * a token nor credits anything here (docs/terminals.md).
 */
import type { TerminalEntry } from "../../protocols/terminals/codec.ts";
import type { Store } from "../store/index.ts";
import type { TerminalRequestBody } from "../uplink/records.ts";
import { enqueueRecord } from "../uplink/outbox-writer.ts";
import { invalidAmountReason, invalidTokenReason, pendingReason } from "./messages.ts";
import type { StoredAnswer, TerminalState } from "./state.ts";

/** What became of an entry: queued for the platform (or already was), or answered here as malformed. */
export type ForwardOutcome = "queued" | "duplicate" | "refused";

/** The idempotency key of an entry on the requests stream. */
export function entryKey(terminalId: string, entryId: number): string {
  return `terminal:${terminalId}:${entryId}`;
}

/**
 * Queues `entry` and sets the answer shown to "pending" (unless this entry already has its answer).
 * A token that is not 20 digits, or a purchase of nothing, is answered `rejected` here: it cannot be a
 * vend request, and the platform would only bounce it.
 */
export function forwardEntry(
  store: Store,
  state: TerminalState,
  terminal: { id: string; account: string },
  entry: TerminalEntry,
  readAtMs: number,
): ForwardOutcome {
  return store.transaction(() => {
    const problem = problemOf(entry);
    if (problem !== undefined) {
      state.setAnswer(terminal.id, {
        status: "rejected",
        entryId: entry.entryId,
        balanceFen: 0,
        reason: problem,
      });
      return "refused";
    }
    const common = { terminalId: terminal.id, accountId: terminal.account, entryId: entry.entryId, readAtMs };
    const body: TerminalRequestBody =
      entry.kind === "token"
        ? { kind: "terminal.token", ...common, token: entry.token }
        : { kind: "terminal.purchase", ...common, amountFen: entry.amountFen, reference: entry.reference };
    const queued = enqueueRecord(store.outbox, "requests", entryKey(terminal.id, entry.entryId), body);
    if (state.answer(terminal.id)?.entryId !== entry.entryId) state.setAnswer(terminal.id, pending(entry));
    return queued.duplicate ? "duplicate" : "queued";
  });
}

function pending(entry: TerminalEntry): StoredAnswer {
  return { status: "pending", entryId: entry.entryId, balanceFen: 0, reason: pendingReason };
}

function problemOf(entry: TerminalEntry): string | undefined {
  if (entry.kind === "token") return /^\d{20}$/.test(entry.token) ? undefined : invalidTokenReason;
  return entry.amountFen > 0 ? undefined : invalidAmountReason;
}
