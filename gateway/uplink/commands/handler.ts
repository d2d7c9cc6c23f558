/**
 * Turns a request message into a response: admission, replay protection, rate limits, execution through
 * the {@link CommandExecutor}, audit. Mutations and refusals complete synchronously, inside the MQTT
 * 'message' event, i.e. before MQTT.js acknowledges the request: a crash before the commit leaves the
 * request unacknowledged, so the broker redelivers it (persistent session) and it runs once.
 */
import type { Clock } from "../../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import type { Logger } from "../../../core/logger.ts";
import type { SeenCommand, Store } from "../../store/index.ts";
import { relayRateRefusal, TokenBucket } from "../rate-limit.ts";
import type { AdmissionPolicy, Admitted } from "./admission.ts";
import { admitCommand } from "./admission.ts";
import { auditExecuted, auditRefusal, refsOf } from "./audit.ts";
import type { CommandName, CommandResult } from "./catalog.ts";
import { commandCatalog } from "./catalog.ts";
import { isExecutorErrorCode, unauthenticatedCodes } from "./codes.ts";
import { dispatchCommand } from "./dispatch.ts";
import type { CommandContext, CommandOutcome, UplinkExecutor } from "./executor.ts";
import type { CommandResponse, OkResponse, Refusal } from "./response.ts";
import { errorResponse, okResponse } from "./response.ts";

/** Options of {@link CommandHandler}. */
export interface CommandHandlerOptions {
  readonly store: Store;
  /** The domain's executor with the uplink's own `history` answer (history.ts). */
  readonly executor: UplinkExecutor;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy: AdmissionPolicy;
  /** Accepted relay commands per minute: 1..600. */
  readonly relayCommandsPerMinute: number;
  /** Queries executing at once; more are refused with BUSY: 1..64, default 4. */
  readonly maxQueriesInFlight?: number;
  /**
   * Whether a request's MQTT 5 response topic is acceptable (topics.ts `allowsResponseTopic`); absent:
   * any. A request with another one is refused BAD_RESPONSE_TOPIC, after admission, before execution.
   */
  readonly allowsResponseTopic?: (topic: string) => boolean;
  /** The filter reported in BAD_RESPONSE_TOPIC's details, e.g. `mg/site-01/response/#`. */
  readonly responseTopicFilter?: string;
  /** Audited refusals of unauthenticated requests per minute (the rest only counted): 1..6000, default 60. */
  readonly auditRefusalsPerMinute?: number;
  /** Called for each admitted, not replayed request: platform contact (platform-silence.ts). Must not throw. */
  readonly onPlatformMessage?: () => void;
}

/** Thrown inside the unit of work to roll it back with a refusal; caught below, never seen outside. */
class RollbackWith extends GatewayError {
  constructor(readonly refusal: Omit<Refusal, "command" | "transaction">) {
    super(ErrorCode.CommandRefused, refusal.code, { refusalCode: refusal.code });
  }
}

/** INTERNAL rolled everything back, so the same transaction may be sent again. */
const internalDetails = { changed: false, retrySameTransaction: true };

/** Two copies of one transaction raced and the other executed first (no result of it to hand). */
function replayedRace(command: CommandName) {
  return {
    code: "REPLAYED" as const,
    message: "transaction already executed",
    details: { command, executedAtMs: null },
  };
}

type Response = CommandResponse | Promise<CommandResponse>;

export class CommandHandler {
  private readonly relayBucket: TokenBucket;
  private readonly auditBucket: TokenBucket;
  private queriesInFlight = 0;
  private suppressedAudits = 0;

  constructor(private readonly options: CommandHandlerOptions) {
    const { clock } = options;
    this.relayBucket = new TokenBucket(
      clock,
      options.relayCommandsPerMinute / 60,
      options.relayCommandsPerMinute,
    );
    const auditPerMinute = options.auditRefusalsPerMinute ?? 60;
    this.auditBucket = new TokenBucket(clock, auditPerMinute / 60, auditPerMinute);
  }

  /** Answers one request received on `request/{command}`. Never throws. */
  handle(command: string, payload: Uint8Array, responseTopic?: string): Response {
    const { clock, policy, store } = this.options;
    const receivedAtMs = clock.now();
    const admission = admitCommand(command, payload, receivedAtMs, policy);
    if (!admission.ok) return this.refuse(admission, refsOf(undefined));
    const { request } = admission;
    const base = { command: admission.command, transaction: request.transaction };
    const refs = refsOf(request);
    const context: CommandContext = {
      command: admission.command,
      transaction: request.transaction,
      issuedAtMs: request.issuedAt,
      expiresAtMs: request.expiresAt,
      receivedAtMs,
    };
    const badTopic = this.badResponseTopic(responseTopic);
    if (badTopic !== undefined) return this.refuse({ ...base, ...badTopic }, refs);
    try {
      const seen = store.commandsSeen.get(request.transaction);
      if (seen !== undefined) return this.replay(base, seen, refs);
      this.options.onPlatformMessage?.();
      if (commandCatalog[admission.command].kind === "query") return this.query(admission, context, refs);
      const relayKind = admission.command === "relay" || admission.command === "relay.forward";
      const limited = relayKind
        ? relayRateRefusal(this.relayBucket, this.options.relayCommandsPerMinute)
        : undefined;
      if (limited !== undefined) return this.refuse({ ...base, ...limited }, refs);
      const outcome = store.transaction(() => {
        const outcome = dispatchCommand(this.options.executor, admission, context) as CommandOutcome<unknown>;
        if (!outcome.ok) {
          // Not remembered: a refused transaction may be sent again. The executor's own record of the
          // refusal (e.g. a billing "refused" top-up) commits with ours.
          const refusal = { ...base, ...this.checkedRefusal(outcome) };
          auditRefusal(store, refusal, refs, 0);
          return refusal;
        }
        // Remembered in the unit of work that applied the command: a crash keeps both or neither.
        if (!store.commandsSeen.remember(request.transaction, admission.command, outcome.result)) {
          throw new RollbackWith(replayedRace(admission.command));
        }
        auditExecuted(store, admission.command, request.transaction, refs);
        return outcome;
      });
      if ("code" in outcome) {
        this.options.logger.warn({ ...base, code: outcome.code }, "command refused by the executor");
        return this.errorResponse(outcome);
      }
      // A forward's audit and replay mark are committed: now it goes to the meter, once.
      if (commandCatalog[admission.command].kind === "forward")
        return this.forwarded(admission.command, request.transaction, outcome.result);
      return this.ok(admission.command, request.transaction, outcome.result);
    } catch (error) {
      if (error instanceof RollbackWith) return this.refuse({ ...base, ...error.refusal }, refs);
      return this.internal(base, refs, error);
    }
  }

  /**
   * A transaction that already executed: answered with its original result (kept with the transaction in
   * the unit of work that executed it), marked `replayed`; executed again never. REPLAYED only when no
   * result was kept (executed by a gateway before schema v3) or the topic names another command.
   */
  private replay(
    base: { command: CommandName; transaction: string },
    seen: SeenCommand,
    refs: ReturnType<typeof refsOf>,
  ): CommandResponse {
    if (seen.result !== undefined && seen.command === base.command) {
      this.options.logger.info(base, "transaction already executed: answered with its original result");
      return { ...this.ok(base.command, base.transaction, seen.result), replayed: true };
    }
    const details = { command: seen.command, executedAtMs: seen.seenAtMs };
    return this.refuse({ ...base, code: "REPLAYED", message: "transaction already executed", details }, refs);
  }

  /** BAD_RESPONSE_TOPIC when `responseTopic` is set and not allowed. */
  private badResponseTopic(responseTopic: string | undefined) {
    const { allowsResponseTopic: allows, responseTopicFilter: filter } = this.options;
    if (responseTopic === undefined || allows === undefined || allows(responseTopic)) return undefined;
    return {
      code: "BAD_RESPONSE_TOPIC" as const,
      message: `response topic '${responseTopic}' is outside ${filter ?? "the allowed topics"}`,
      details: { responseTopic, allowed: filter ?? null },
    };
  }

  private async query(admitted: Admitted, context: CommandContext, refs: ReturnType<typeof refsOf>) {
    const base = { command: admitted.command, transaction: admitted.request.transaction };
    const limit = this.options.maxQueriesInFlight ?? 4;
    if (this.queriesInFlight >= limit) {
      const details = { inProgress: this.queriesInFlight, limit };
      return this.refuse(
        { ...base, code: "BUSY", message: `${limit} slow commands already in progress`, details },
        refs,
      );
    }
    this.queriesInFlight++;
    try {
      const outcome = (await dispatchCommand(
        this.options.executor,
        admitted,
        context,
      )) as CommandOutcome<unknown>;
      if (!outcome.ok) return this.refuse({ ...base, ...this.checkedRefusal(outcome) }, refs);

      const { store } = this.options;
      const first = store.transaction(() => {
        if (!store.commandsSeen.remember(base.transaction, base.command, outcome.result)) return false;
        auditExecuted(store, base.command, base.transaction, refs);
        return true;
      });
      // A duplicate that raced this one has already answered; a query that read twice changed nothing.
      if (!first) return this.refuse({ ...base, ...replayedRace(base.command) }, refs);
      return this.ok(admitted.command, base.transaction, outcome.result);
    } catch (error) {
      return this.internal(base, refs, error);
    } finally {
      this.queriesInFlight--;
    }
  }

  /** Sends a committed forward and answers with its result (the continuation never rejects). */
  private async forwarded(
    command: CommandName,
    transaction: string,
    send: unknown,
  ): Promise<CommandResponse> {
    try {
      return this.ok(command, transaction, await (send as () => Promise<unknown>)());
    } catch (error) {
      this.options.logger.error({ err: error, command, transaction }, "forwarded command failed");
      const failed = { code: "INTERNAL", message: "the gateway failed", details: {} } as const;
      return this.errorResponse({ command, transaction, ...failed });
    }
  }

  /**
   * An executor's refusal, with a documented code. The type already says so; this guards an executor
   * that is not type-checked (a cast, plain JavaScript), so no undocumented code reaches the platform.
   */
  private checkedRefusal(outcome: {
    code: string;
    message: string;
    details?: Record<string, unknown>;
  }): Omit<Refusal, "command" | "transaction"> {
    const { code, message } = outcome;
    if (isExecutorErrorCode(code)) return { code, message, details: outcome.details ?? {} };
    this.options.logger.error({ code }, "executor returned an error code that is not in codes.ts");
    return { code: "INTERNAL", message, details: internalDetails };
  }

  private ok(command: CommandName, transaction: string, result: unknown): OkResponse {
    const { policy, clock } = this.options;
    return okResponse(
      policy.gatewayId,
      clock.now(),
      command,
      transaction,
      result as CommandResult<CommandName>,
    );
  }

  private internal(
    base: Pick<Refusal, "command" | "transaction">,
    refs: ReturnType<typeof refsOf>,
    error: unknown,
  ) {
    this.options.logger.error({ err: error, ...base }, "command failed");
    return this.refuse(
      {
        ...base,
        code: "INTERNAL",
        message: "the gateway failed; nothing was changed",
        details: internalDetails,
      },
      refs,
    );
  }

  /** Audits (rate-limited for unauthenticated senders) and builds the error response. Never throws. */
  private refuse(refusal: Refusal, refs: ReturnType<typeof refsOf>): CommandResponse {
    const { store, logger } = this.options;
    const plain: Refusal = {
      command: refusal.command,
      transaction: refusal.transaction,
      code: refusal.code,
      message: refusal.message,
      details: refusal.details,
    };
    logger.warn(
      { command: plain.command, transaction: plain.transaction, code: plain.code },
      "command refused",
    );
    if (unauthenticatedCodes.has(plain.code) && !this.auditBucket.tryTake()) {
      this.suppressedAudits++;
    } else {
      try {
        auditRefusal(store, plain, refs, this.suppressedAudits);
        this.suppressedAudits = 0;
      } catch (error) {
        logger.error({ err: error, code: plain.code }, "could not audit a refused command");
      }
    }
    return this.errorResponse(plain);
  }

  private errorResponse(refusal: Refusal): CommandResponse {
    const { policy, clock } = this.options;
    const { command, transaction, code, message, details } = refusal;
    const fields = { command, transaction, code, message, details };
    return errorResponse(policy.gatewayId, clock.now(), fields);
  }
}
