/**
 * What a local technician may do while the service runs (web page, CLI through the local API): read a
 * meter now, test a relay, resolve a held reading, confirm a meter swap, top up, read an account, adjust a
 * balance. Each goes through the
 * same operations as the platform's MQTT command and is audited exactly like it (`command.executed` /
 * `command.refused` in the events table and the events stream, the transaction remembered), with a
 * `local-` transaction id and the source recorded, e.g. `local technician (web)`.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.ts";
import { withDeadline } from "../../core/deadline.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { PrepaidOperations } from "../billing/operations.ts";
import type { RelayOp, Store } from "../store/index.ts";
import type {
  CommandContext,
  CommandExecutor,
  CommandOutcome,
  CommandResult,
  ExecutorErrorCode,
} from "../uplink/index.ts";
import { auditExecuted, auditRefusal, type CommandRefs } from "../uplink/commands/audit.ts";
import { localTransactionPrefix } from "../uplink/commands/local-source.ts";

/** Where the technician acted: recorded as `local technician (web)` or `local technician (cli)`. */
export type TechnicianChannel = "web" | "cli";

/** An operation's outcome, as the MQTT command would answer it, plus the local transaction id. */
export type TechnicianOutcome<R> = (
  | { readonly ok: true; readonly result: R }
  | { readonly ok: false; readonly code: ExecutorErrorCode | "INTERNAL"; readonly message: string }
) & { readonly transaction: string };

export interface TechnicianOpsDeps {
  /** The uplink's executor (createExecutor): the very code paths of the MQTT commands. */
  readonly executor: CommandExecutor;
  readonly operations: Pick<PrepaidOperations, "relay" | "relayTestRefusal" | "topup" | "lifecycle">;
  readonly store: Store;
  readonly clock: Pick<Clock, "now" | "setTimeout" | "clearTimeout">;
  readonly logger: Logger;
  /** Resolves when the relay operations queued so far have finished (PrepaidEngine.relaysSettled). */
  readonly relaysSettled: () => Promise<void>;
  /** Bound on each half of a relay test (open, close), ms: 1000..120000, default 30000. */
  readonly relayTestStepMs?: number;
}

/** How one half of a relay test went: the relay operation row as completed (result null: still running). */
export interface RelayTestStep {
  readonly relayOpId: number;
  readonly result: RelayOp["result"];
  readonly readback: RelayOp["readback"];
}

/** A relay test: the supply opened (cut), then closed again (restore), each read back. */
export interface RelayTestResult {
  readonly meter: string;
  readonly cut: RelayTestStep;
  readonly restore: RelayTestStep;
  /** True when both halves switched and read back the commanded position. */
  readonly passed: boolean;
}

const relayTestReason = "relay test by a local technician";

export class TechnicianOps {
  constructor(private readonly deps: TechnicianOpsDeps) {}

  /** `meter.read` now, out of turn (the service owns the port, so the read goes through its bus). */
  async readNow(
    meterId: string,
    channel: TechnicianChannel,
  ): Promise<TechnicianOutcome<CommandResult<"meter.read">>> {
    const context = this.context("meter.read");
    const refs = { meterId };
    const outcome = await this.deps.executor.meterRead({ meter: meterId }, context);
    return this.audited(context, refs, channel, () => outcome);
  }

  /** `anomaly.resolve`: charge or waive a held energy jump, with the reason for the audit trail. */
  anomalyResolve(
    p: { meter: string; anomaly: number; action: "charge" | "waive"; reason: string },
    channel: TechnicianChannel,
  ): TechnicianOutcome<CommandResult<"anomaly.resolve">> {
    const context = this.context("anomaly.resolve");
    return this.audited(context, { meterId: p.meter }, channel, () =>
      this.deps.executor.anomalyResolve(p, context),
    );
  }

  /** `meter.replace.confirm`: the account carries over, the new register is the baseline, no jump billed. */
  meterSwap(
    p: { meter: string; serial: number; reason: string },
    channel: TechnicianChannel,
  ): TechnicianOutcome<CommandResult<"meter.replace.confirm">> {
    const context = this.context("meter.replace.confirm");
    return this.audited(context, { meterId: p.meter }, channel, () =>
      this.deps.executor.meterReplaceConfirm(p, context),
    );
  }

  /** `topup` paid on site: the billing record says `source: local`. */
  topup(
    p: { account: string; amountFen: number; purchaseSeq: number; paymentRef: string },
    channel: TechnicianChannel,
  ): TechnicianOutcome<CommandResult<"topup">> {
    const context = this.context("topup");
    return this.audited(context, { accountId: p.account }, channel, () => {
      const r = this.deps.operations.topup({ ...p, source: "local" });
      if (!r.ok) return r;
      const { account, purchaseSeq } = p;
      return { ok: true, result: { account, purchaseSeq, ...r.result } };
    });
  }

  /** `account.get`: balance, thresholds, counts, alarm and cut state of an account. */
  async accountGet(
    account: string,
    channel: TechnicianChannel,
  ): Promise<TechnicianOutcome<CommandResult<"account.get">>> {
    const context = this.context("account.get");
    const outcome = await this.deps.executor.accountGet({ account }, context);
    return this.audited(context, { accountId: account }, channel, () => outcome);
  }

  /** `adjustment` made on site: the billing record says `source: local`, the audit names the operator. */
  adjustment(
    p: { account: string; amountFen: number; reason: string; operator: string },
    channel: TechnicianChannel,
  ): TechnicianOutcome<CommandResult<"adjustment">> {
    const context = this.context("adjustment");
    const run = () => this.deps.operations.lifecycle.adjust({ ...p, source: "local" });
    return this.audited(context, { accountId: p.account }, channel, run, p.operator);
  }

  /**
   * Opens the relay and closes it again, each through a remote cut / restore of the prepaid engine (so
   * decisions, relay operation rows, read-backs and events are the real ones), requested by
   * `technician`. Refused for protected accounts and while the supply is off or a cut is pending.
   */
  async relayTest(meterId: string, channel: TechnicianChannel): Promise<TechnicianOutcome<RelayTestResult>> {
    const { operations, store } = this.deps;
    const context = this.context("relay.test");
    const refs = { meterId };
    const started = this.audited(context, refs, channel, () => {
      const refusal = operations.relayTestRefusal(meterId);
      if (refusal !== undefined) return { ok: false, details: { meter: meterId }, ...refusal };
      return operations.relay(meterId, "cut", relayTestReason, `${context.transaction}-cut`);
    });
    if (!started.ok) return started;
    await this.settled();
    const restored = store.transaction(() =>
      operations.relay(meterId, "restore", relayTestReason, `${context.transaction}-restore`),
    );
    if (!restored.ok) return { ...restored, transaction: context.transaction };
    await this.settled();
    const cut = step(store, started.result.relayOpId);
    const restore = step(store, restored.result.relayOpId);
    const passed =
      cut.result === "ok" &&
      cut.readback === "open" &&
      restore.result === "ok" &&
      restore.readback === "closed";
    return { ok: true, transaction: context.transaction, result: { meter: meterId, cut, restore, passed } };
  }

  /** Waits for the relay operations in hand, bounded: a stuck bus write must not hold the caller. */
  private async settled(): Promise<void> {
    const ms = this.deps.relayTestStepMs ?? 30_000;
    await withDeadline(
      this.deps.clock,
      this.deps.relaysSettled(),
      ms,
      () => new GatewayError(ErrorCode.Timeout, `relay test: the relay did not settle within ${ms} ms`),
    ).catch((error: unknown) => this.deps.logger.warn({ err: error }, "relay test step not settled"));
  }

  private context(command: string): CommandContext {
    const now = this.deps.clock.now();
    return {
      command: command as CommandContext["command"],
      transaction: `${localTransactionPrefix}${randomUUID()}`,
      issuedAtMs: now,
      expiresAtMs: now,
      receivedAtMs: now,
    };
  }

  /**
   * Runs `run` in one unit of work with its audit record, as CommandHandler does for an MQTT command:
   * executed -> transaction remembered and `command.executed`; refused -> `command.refused`, nothing
   * changed; thrown -> rolled back, audited as INTERNAL.
   */
  private audited<R>(
    context: CommandContext,
    refs: CommandRefs,
    channel: TechnicianChannel,
    run: () => CommandOutcome<R>,
    operator?: string,
  ): TechnicianOutcome<R> {
    const { store, logger } = this.deps;
    const { command, transaction } = context;
    // The operator a command names (adjustment) is part of who acted, in the audit record.
    const source = `local technician (${channel}${operator === undefined ? "" : `, operator ${operator}`})`;
    try {
      const outcome = store.transaction(() => {
        const outcome = run();
        if (!outcome.ok) {
          auditRefusal(
            store,
            { command, transaction, code: outcome.code, message: outcome.message, details: outcome.details },
            refs,
            0,
            source,
          );
          return outcome;
        }
        store.commandsSeen.remember(transaction, command);
        auditExecuted(store, command, transaction, refs, source);
        return outcome;
      });
      if (!outcome.ok) logger.warn({ command, transaction, code: outcome.code, source }, "command refused");
      else logger.info({ command, transaction, ...refs, source }, `${command} by a local technician`);
      return { ...outcome, transaction };
    } catch (error) {
      logger.error({ err: error, command, transaction }, "local command failed");
      const message = "the gateway failed; nothing was changed";
      auditRefusal(store, { command, transaction, code: "INTERNAL", message, details: {} }, refs, 0, source);
      return { ok: false, code: "INTERNAL", message, transaction };
    }
  }
}

function step(store: Pick<Store, "relayOps">, relayOpId: number): RelayTestStep {
  const op = store.relayOps.get(relayOpId);
  return { relayOpId, result: op?.result ?? null, readback: op?.readback ?? null };
}
