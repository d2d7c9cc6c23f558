/**
 * What the uplink needs from the rest of the gateway to carry out commands. The uplink has already parsed,
 * validated, authenticated, checked expiry and replay before a method is called; the executor applies the
 * command to the domain (the prepaid engine) and says how it went.
 *
 * Mutations are synchronous on purpose: the uplink calls them inside `store.transaction` and, in that
 * same unit of work, remembers the transaction (on `ok: true`) and writes the audit record, so a crash
 * keeps all of it or none, and no command executes twice. The executor's own `store.transaction` (e.g.
 * the prepaid engine's unit of work) becomes a savepoint of it. Anything slow (switching a relay over
 * the bus) must be recorded durably in the unit of work (a relay operation row) and carried out
 * asynchronously afterwards: the whole call is synchronous, so asynchronous work starts only after the
 * commit. Its outcome follows on the `events` stream.
 *
 * A mutation that returns `ok: false` must have changed no state; it may have written the audit records
 * of its refusal (e.g. a billing `topup` record with status `refused`), which commit together with the
 * uplink's `command.refused` event. The transaction is not remembered, so it may be sent again.
 * Throwing rolls back everything the call wrote and is answered INTERNAL.
 *
 * Queries only read, so they may be asynchronous (a meter read goes over the bus).
 */
import type { CommandName, CommandParams, CommandResult } from "./catalog.ts";
import type { ExecutorErrorCode } from "./codes.ts";

/** How a command went. */
export type CommandOutcome<R> =
  | { readonly ok: true; readonly result: R }
  | {
      readonly ok: false;
      /** `UNKNOWN_ACCOUNT`, `UNKNOWN_METER` or a domain code such as `TOPUP_GAP` (codes.ts documents each). */
      readonly code: ExecutorErrorCode;
      /** One line for people; never secrets. */
      readonly message: string;
      /** Extra facts for the requester, e.g. `{ missingSeq: 7 }`. */
      readonly details: Record<string, unknown>;
    };

/** Facts about the request the executor may use (references, audit, skew). */
export interface CommandContext {
  readonly command: CommandName;
  /** The request's transaction id: unique, already remembered when a mutation runs. */
  readonly transaction: string;
  /** The request's `issuedAt`, epoch ms (sender's clock). */
  readonly issuedAtMs: number;
  /** The request's `expiresAt`, epoch ms. */
  readonly expiresAtMs: number;
  /** When the gateway received it, epoch ms (gateway clock). */
  readonly receivedAtMs: number;
}

type Mutation<C extends CommandName> = (
  params: CommandParams<C>,
  context: CommandContext,
) => CommandOutcome<CommandResult<C>>;
type Query<C extends CommandName> = (
  params: CommandParams<C>,
  context: CommandContext,
) => CommandOutcome<CommandResult<C>> | Promise<CommandOutcome<CommandResult<C>>>;

/**
 * A command whose audit and replay mark commit first, synchronously (like a mutation), and whose
 * effect on the meter is then awaited for the response: `ok: true` carries the continuation that
 * sends it and never rejects (a bus failure is part of its result). A refusal changes nothing.
 */
type Forward<C extends CommandName> = (
  params: CommandParams<C>,
  context: CommandContext,
) => CommandOutcome<() => Promise<CommandResult<C>>>;

/** One method per command. Implemented by the gateway on top of the prepaid engine. */
export interface CommandExecutor {
  /** `topup`: credit by purchase sequence; a repeated purchaseSeq is `ok` with status `duplicate`. */
  readonly topup: Mutation<"topup">;
  /** `relay`: queue a cut or restore (record the relay operation); switching happens afterwards. */
  readonly relay: Mutation<"relay">;
  /** `relay.forward`: audit the secured relay command, then send it and answer with the meter's reply. */
  readonly relayForward: Forward<"relay.forward">;
  /** `protect`: keep-power on or off. */
  readonly protect: Mutation<"protect">;
  /** `account.set`: tariff and thresholds. */
  readonly accountSet: Mutation<"account.set">;
  /** `tariff.set`: validate and store a tariff definition (refuse with e.g. `TARIFF_INVALID`). */
  readonly tariffSet: Mutation<"tariff.set">;
  /** `anomaly.resolve`: charge or waive a held implausible energy jump. */
  readonly anomalyResolve: Mutation<"anomaly.resolve">;
  /** `meter.replace.confirm`: confirm a meter's pending replacement by the new serial. */
  readonly meterReplaceConfirm: Mutation<"meter.replace.confirm">;
  /** `meter.read`: read the meter now (may take seconds). */
  readonly meterRead: Query<"meter.read">;
  /** `time.check`: the gateway's clock and whether it is trusted. */
  readonly timeCheck: Query<"time.check">;
  /** `config.get`: the effective config without secrets. */
  readonly configGet: Query<"config.get">;
  /** `close-not-allowed`: set or lift the account's flag. */
  readonly closeNotAllowed: Mutation<"close-not-allowed">;
  /** `terminal.message`: store the platform's message for a terminal (shown until it expires). */
  readonly terminalMessage: Mutation<"terminal.message">;
  /** `terminal.answer`: store the answer to a keypad entry; it is written to the terminal after commit. */
  readonly terminalAnswer: Mutation<"terminal.answer">;
  /** `account.open`: open an account bound to a configured meter. */
  readonly accountOpen: Mutation<"account.open">;
  /** `account.close`: charge the final reading, report the final balance, unbind the meters. */
  readonly accountClose: Mutation<"account.close">;
  /** `account.get`: the account's balance, thresholds, counts, alarm and cut state. */
  readonly accountGet: Query<"account.get">;
  /** `adjustment`: a signed correction of the balance with reason and operator. */
  readonly adjustment: Mutation<"adjustment">;
  /** `refund`: a refund (退费) by refund sequence, never below zero. */
  readonly refund: Mutation<"refund">;
}

/**
 * `history`: answered by the uplink itself from the stream records in the store (history.ts), not by
 * the domain: it reads, so it is a query, and its republishing follows the response.
 */
export type HistoryQuery = Query<"history">;

/** What the handler dispatches to: the domain's executor and the uplink's own history answer. */
export interface UplinkExecutor extends CommandExecutor {
  readonly history: HistoryQuery;
}
