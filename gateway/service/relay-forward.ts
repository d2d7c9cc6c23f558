/**
 * `relay.forward`: a relay command the platform encrypted for an ESAM meter (password level 98), which
 * the gateway cannot build (DOMAIN.md section 5). It is audited like any relay operation: the relay_ops
 * row is written with the command's transaction before anything goes out, then the block goes to the
 * meter once (no retry: the ESAM counts every command), the relay is read back after a 9C, and the row
 * is completed with the meter's answer, which the command response also carries.
 */
import { isGatewayError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import type { RelayStatus, SecuredAnswer } from "../metering/controls.ts";
import type { RelayReadback, RelayResult, Store } from "../store/index.ts";
import type { CommandOutcome, CommandParams, CommandResult } from "../uplink/index.ts";
import { relayDoneEvent, relayFailedEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";

type Params = CommandParams<"relay.forward">;
type Result = CommandResult<"relay.forward">;

/** What forwarding needs of the meters. */
export interface SecuredRelayPort {
  has(meterId: string, name: "forwardSecured"): boolean;
  forwardSecured(meterId: string, block: Uint8Array): Promise<SecuredAnswer>;
  readRelayStatus(meterId: string): Promise<RelayStatus | undefined>;
}

export interface RelayForwarderDeps {
  readonly store: Store;
  readonly logger: Logger;
  readonly meters: SecuredRelayPort;
  readonly accountOf: (meterId: string) => string | undefined;
}

const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));

export class RelayForwarder {
  constructor(private readonly deps: RelayForwarderDeps) {}

  /** Audits the operation (in the caller's unit of work) and returns what sends it. */
  prepare(params: Params, transaction: string): CommandOutcome<() => Promise<Result>> {
    const { store, meters, accountOf } = this.deps;
    if (!meters.has(params.meter, "forwardSecured"))
      return {
        ok: false,
        code: "NOT_SECURED_METER",
        message: `meter '${params.meter}' cannot take a secured relay command`,
        details: { meter: params.meter },
      };
    const accountId = accountOf(params.meter);
    const op = store.relayOps.request({
      meterId: params.meter,
      ...(accountId === undefined ? {} : { accountId }),
      action: params.action,
      reason: `${params.reason} (secured)`,
      requestedBy: "platform",
      commandTxId: transaction,
    });
    const block = new Uint8Array([...hex(params.block), ...hex(params.mac)]);
    return { ok: true, result: () => this.send(params, op.id, accountId, block) };
  }

  private async send(
    params: Params,
    opId: number,
    accountId: string | undefined,
    block: Uint8Array,
  ): Promise<Result> {
    const { meters, logger } = this.deps;
    const base = { meter: params.meter, action: params.action, relayOpId: opId };
    let answer: SecuredAnswer;
    try {
      answer = await meters.forwardSecured(params.meter, block);
    } catch (error) {
      const detail = isGatewayError(error) ? `${error.code}: ${error.message}` : String(error);
      this.complete(params, opId, accountId, "failed", "unknown", detail);
      return { ...base, answer: "no-reply", error: detail, relay: "unknown" };
    }
    if (!answer.accepted) {
      const detail = `meter refused: ${answer.errors.join(", ")}`;
      this.complete(params, opId, accountId, "refused", "unknown", detail);
      return {
        ...base,
        answer: "refused",
        errorBits: answer.errorBits,
        errors: [...answer.errors],
        relay: "unknown",
      };
    }
    const status = await meters.readRelayStatus(params.meter).catch((error: unknown) => {
      logger.warn({ err: error, meterId: params.meter }, "no read-back after a secured relay command");
      return undefined;
    });
    const relay: RelayReadback = status === undefined ? "unknown" : status.closed ? "closed" : "open";
    // A restore the meter only allowed (the customer closes it) leaves it open with no open command in force.
    const agrees =
      relay === "unknown" ||
      (params.action === "cut" ? relay === "open" : relay === "closed" || status?.openCommanded === false);
    const mismatch = agrees
      ? undefined
      : `the relay is ${relay} after the meter accepted the ${params.action}`;
    this.complete(params, opId, accountId, agrees ? "ok" : "readback_mismatch", relay, mismatch);
    return { ...base, answer: "accepted", relay };
  }

  private complete(
    params: Params,
    opId: number,
    accountId: string | undefined,
    result: RelayResult,
    readback: RelayReadback,
    detail: string | undefined,
  ): void {
    const { store } = this.deps;
    const subject = { meterId: params.meter, accountId: accountId ?? "" };
    const closed = params.action === "restore";
    const spec =
      result === "ok"
        ? relayDoneEvent(subject, { closed, reason: params.reason, redrive: undefined }, opId, readback)
        : relayFailedEvent(subject, {
            action: params.action,
            reason: params.reason,
            relayOpId: opId,
            detail,
          });
    store.transaction(() => {
      store.relayOps.complete(opId, { result, readback, ...(detail === undefined ? {} : { detail }) });
      // A meter without an account still gets its audit event, without the account.
      const { accountId: _none, ...withoutAccount } = spec;
      recordEvent(store, accountId === undefined ? withoutAccount : spec);
    });
  }
}
