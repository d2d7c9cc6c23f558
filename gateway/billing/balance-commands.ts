/**
 * Adjustments and refunds (退费) of an account, each one unit of work: the pure decision
 * (prepaid/lifecycle.ts), the ledger entry of its own kind, its `billing` record and the re-evaluation
 * of the account's alarms and relays. A refund applies exactly once per refund sequence, like a top-up
 * per purchase count: the same refund again is a duplicate answered with the applied figures, another
 * refund under a used number is refused REFUND_CONFLICT naming the applied one.
 */
import {
  decideAdjustment,
  decideRefund,
  fenToE7,
  lifecycleOf,
  type BalanceMoveRefusal,
} from "../prepaid/index.ts";
import { E7_PER_FEN } from "../prepaid/money.ts";
import type { Account, LedgerOrder, Store } from "../store/index.ts";
import { nextBillingKey, recordBilling } from "../uplink/outbox-writer.ts";
import { money } from "./billing-format.ts";
import type { PrepaidEngine } from "./engine.ts";
import { unknownAccount, type OperationResult } from "./operation-result.ts";

type Refusal = Extract<OperationResult, { ok: false }>;

/** The account if it exists and is open; otherwise UNKNOWN_ACCOUNT or ACCOUNT_CLOSED. */
export function liveAccount(store: Store, accountId: string): Account | Refusal {
  const account = store.accounts.get(accountId);
  if (account === undefined) return unknownAccount(accountId);
  const closedAtMs = store.lifecycle.get(accountId)?.closedAtMs ?? null;
  if (closedAtMs !== null)
    return {
      ok: false,
      code: "ACCOUNT_CLOSED",
      message: `account ${accountId} was closed at ${new Date(closedAtMs).toISOString()}`,
      details: { account: accountId, closedAtMs },
    };
  return account;
}

const isRefusal = (value: Account | Refusal): value is Refusal => "ok" in value;

/** An adjustment as the platform or a technician sends it. */
export interface AdjustmentCommand {
  readonly account: string;
  /** Signed, fen: positive credits, negative debits; not 0. */
  readonly amountFen: number;
  readonly reason: string;
  /** Who made it, for the audit trail. */
  readonly operator: string;
  readonly source: "uplink" | "local";
}

/** Applies (or refuses) an adjustment. */
export function applyAdjustment(
  engine: PrepaidEngine,
  store: Store,
  cmd: AdjustmentCommand,
): OperationResult<{ account: string; amountFen: number; balance: string; ledgerId: number }> {
  return engine.unitOfWork((queued) => {
    const account = liveAccount(store, cmd.account);
    if (isRefusal(account)) return account;
    const amountE7 = Number.isSafeInteger(cmd.amountFen) ? fenToE7(cmd.amountFen) : Number.NaN;
    const maxBalanceE7 = lifecycleOf(engine.settings.policy).maxBalanceE7;
    const decision = decideAdjustment({ balanceE7: account.balanceE7, maxBalanceE7 }, amountE7);
    if (decision.kind === "refused") return moveRefusal(decision, "BALANCE_CAP");
    const entry = store.ledger.post({
      accountId: cmd.account,
      kind: "adjustment",
      amountE7: decision.amountE7,
      ref: `${cmd.operator}: ${cmd.reason}`,
    });
    const balance = money(entry.balanceAfterE7);
    recordBilling(store, `adjustment:${entry.id}`, {
      kind: "adjustment",
      accountId: cmd.account,
      amount: money(decision.amountE7),
      balance,
      reason: cmd.reason,
      operator: cmd.operator,
      source: cmd.source,
    });
    engine.balanceChanged(cmd.account, entry.balanceAfterE7, queued);
    return {
      ok: true,
      result: { account: cmd.account, amountFen: cmd.amountFen, balance, ledgerId: entry.id },
    };
  });
}

/** A refund as the platform or a technician sends it. */
export interface RefundCommand {
  readonly account: string;
  /** Refund count: the account's last applied + 1. */
  readonly refundSeq: number;
  /** Returned to the customer, fen, > 0. */
  readonly amountFen: number;
  readonly reason: string;
  readonly source: "uplink" | "local";
}

/** What a refund answers: the applied refund's figures (a duplicate's are the applied ones). */
export interface RefundResult {
  status: "applied" | "duplicate";
  account: string;
  refundSeq: number;
  amountFen: number;
  balance: string;
}

/** Applies (or refuses) a refund. */
export function applyRefund(
  engine: PrepaidEngine,
  store: Store,
  cmd: RefundCommand,
): OperationResult<RefundResult> {
  return engine.unitOfWork((queued) => {
    const account = liveAccount(store, cmd.account);
    if (isRefusal(account)) return account;
    const { account: accountId, ...fields } = cmd;
    const record = { kind: "refund" as const, accountId, ...fields };
    const earlier = store.lifecycle.findBySeq(cmd.account, "refund", cmd.refundSeq);
    if (earlier !== undefined) return repeatedRefund(store, cmd, earlier, record, money(account.balanceE7));
    const amountE7 = Number.isSafeInteger(cmd.amountFen) ? fenToE7(cmd.amountFen) : Number.NaN;
    const lastRefundSeq = store.lifecycle.lastSeq(cmd.account, "refund");
    const decision = decideRefund(
      { balanceE7: account.balanceE7, lastRefundSeq },
      { seq: cmd.refundSeq, amountE7 },
    );
    if (decision.kind === "refused") {
      const refusal = moveRefusal(decision, "BALANCE_CAP");
      const key = nextBillingKey(store, `refund-refused:${cmd.account}:${cmd.refundSeq}`);
      recordBilling(store, key, {
        ...record,
        status: "refused",
        balance: money(account.balanceE7),
        refusal: refusal.message,
      });
      return refusal;
    }
    const entry = store.ledger.post({
      accountId: cmd.account,
      kind: "refund",
      amountE7: decision.amountE7,
      ref: cmd.reason,
    });
    store.lifecycle.recordOrder({
      ledgerId: entry.id,
      accountId: cmd.account,
      kind: "refund",
      seq: cmd.refundSeq,
      orderNo: null,
    });
    const balance = money(entry.balanceAfterE7);
    recordBilling(store, `refund:${cmd.account}:${cmd.refundSeq}`, { ...record, status: "applied", balance });
    engine.balanceChanged(cmd.account, entry.balanceAfterE7, queued);
    const result = {
      status: "applied" as const,
      account: cmd.account,
      refundSeq: cmd.refundSeq,
      amountFen: cmd.amountFen,
      balance,
    };
    return { ok: true, result };
  });
}

type RefundBody = {
  kind: "refund";
  accountId: string;
  refundSeq: number;
  amountFen: number;
  reason: string;
  source: "uplink" | "local";
};

/** A refund sequence already applied: the same refund is a duplicate, another one a conflict. */
function repeatedRefund(
  store: Store,
  cmd: RefundCommand,
  earlier: LedgerOrder,
  record: RefundBody,
  balanceNow: string,
): OperationResult<RefundResult> {
  const entry = store.ledger.get(earlier.ledgerId)!;
  const applied = {
    refundSeq: earlier.seq,
    amountFen: -entry.amountE7 / E7_PER_FEN,
    reason: entry.ref ?? "",
  };
  const key = (status: string) => nextBillingKey(store, `refund-${status}:${cmd.account}:${cmd.refundSeq}`);
  if (applied.amountFen === cmd.amountFen && applied.reason === cmd.reason) {
    recordBilling(store, key("duplicate"), { ...record, status: "duplicate", balance: balanceNow });
    const result = {
      status: "duplicate" as const,
      account: cmd.account,
      ...applied,
      balance: money(entry.balanceAfterE7),
    };
    const { reason: _reason, ...figures } = result;
    return { ok: true, result: figures };
  }
  const message =
    `refund ${cmd.refundSeq} was already applied for ${applied.amountFen} fen ('${applied.reason}');` +
    ` this request has ${cmd.amountFen} fen ('${cmd.reason}')`;
  recordBilling(store, key("refused"), {
    ...record,
    status: "refused",
    balance: balanceNow,
    refusal: message,
  });
  return {
    ok: false,
    code: "REFUND_CONFLICT",
    message,
    details: { applied: { ...applied, balance: money(entry.balanceAfterE7), atMs: entry.atMs } },
  };
}

/** The refusal of a balance move, with its code and the facts behind it (docs/mqtt.md 6.5). */
function moveRefusal(outcome: BalanceMoveRefusal, capCode: "BALANCE_CAP"): Refusal {
  switch (outcome.reason) {
    case "invalid":
      return {
        ok: false,
        code: "AMOUNT_INVALID",
        message: outcome.detail,
        details: { problem: outcome.detail },
      };
    case "cap":
      return {
        ok: false,
        code: capCode,
        message: `balance would be ${money(outcome.wouldBeE7)}, above the gateway's maximum balance ${money(outcome.maxBalanceE7)}`,
        details: { wouldBe: money(outcome.wouldBeE7), maxBalance: money(outcome.maxBalanceE7) },
      };
    case "exceeds-balance":
      return {
        ok: false,
        code: "REFUND_EXCEEDS_BALANCE",
        message: `refund of ${money(outcome.amountE7)} exceeds the balance ${money(outcome.balanceE7)}: a refund never takes a balance below zero`,
        details: { amount: money(outcome.amountE7), balance: money(outcome.balanceE7) },
      };
    case "stale":
    case "gap":
      return {
        ok: false,
        code: outcome.reason === "gap" ? "REFUND_GAP" : "REFUND_STALE",
        message:
          outcome.reason === "gap"
            ? `refund ${outcome.expectedSeq} is missing: deliver it first`
            : `refund sequence is older than the last applied (${outcome.lastSeq})`,
        details: { lastAppliedRefundSeq: outcome.lastSeq, expectedRefundSeq: outcome.expectedSeq },
      };
  }
}
