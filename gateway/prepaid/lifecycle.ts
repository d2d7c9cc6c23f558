/**
 * Pure decisions of the account lifecycle (issue 16): adjustments, refunds (退费) and opening balances.
 * Like top-ups (purchase-sequence.ts) each takes what the account knows and the request, and says
 * applied or why not; the caller posts the ledger entry. Money in 1e-7 yuan, safe integers.
 */

/** An account as the decisions read it. */
export interface BalanceAccount {
  /** Current balance, 1e-7 yuan. */
  readonly balanceE7: number;
  /** The gateway's balance cap (policy.maxBalance), 1e-7 yuan. */
  readonly maxBalanceE7: number;
}

/** Why a balance move was refused; each names what the sender needs to fix. */
export type BalanceMoveRefusal =
  | { readonly kind: "refused"; readonly reason: "invalid"; readonly detail: string }
  /** The balance would exceed the cap. */
  | {
      readonly kind: "refused";
      readonly reason: "cap";
      readonly wouldBeE7: number;
      readonly maxBalanceE7: number;
    }
  /** A refund larger than the balance: a refund never takes a balance below zero. */
  | {
      readonly kind: "refused";
      readonly reason: "exceeds-balance";
      readonly amountE7: number;
      readonly balanceE7: number;
    }
  /** Refund sequence not last + 1: `stale` below it, `gap` two or more ahead. */
  | {
      readonly kind: "refused";
      readonly reason: "stale" | "gap";
      readonly lastSeq: number;
      readonly expectedSeq: number;
    };

/** A balance move that may be posted: the signed change and the balance after it. */
export interface AppliedMove {
  readonly kind: "applied";
  readonly amountE7: number;
  readonly balanceE7: number;
}

/** Decides a signed adjustment: any non-zero amount, refused only above the cap (a credit). */
export function decideAdjustment(
  account: BalanceAccount,
  amountE7: number,
): AppliedMove | BalanceMoveRefusal {
  if (!Number.isSafeInteger(amountE7) || amountE7 === 0)
    return { kind: "refused", reason: "invalid", detail: "amount must be a non-zero whole number of fen" };
  const wouldBeE7 = account.balanceE7 + amountE7;
  // A debit may take the balance below zero (a correction of usage); the cap binds credits only, so an
  // account above a lowered cap can still be corrected downwards.
  if (amountE7 > 0 && (!Number.isSafeInteger(wouldBeE7) || wouldBeE7 > account.maxBalanceE7))
    return { kind: "refused", reason: "cap", wouldBeE7, maxBalanceE7: account.maxBalanceE7 };
  return { kind: "applied", amountE7, balanceE7: wouldBeE7 };
}

/** A refund as the platform sends it: its own sequence (last applied + 1) and a positive amount. */
export interface RefundRequest {
  readonly seq: number;
  /** Amount returned to the customer, 1e-7 yuan, > 0. */
  readonly amountE7: number;
}

/**
 * Decides a refund whose sequence the ledger does not hold yet (a held one is a duplicate or a conflict,
 * decided by the caller from the ledger). Checks in order: validity, sequence, balance. The applied move
 * is negative.
 */
export function decideRefund(
  account: { readonly balanceE7: number; readonly lastRefundSeq: number },
  request: RefundRequest,
): AppliedMove | BalanceMoveRefusal {
  const { seq, amountE7 } = request;
  if (!Number.isSafeInteger(seq) || seq < 1)
    return { kind: "refused", reason: "invalid", detail: "refundSeq must be a positive integer" };
  if (!Number.isSafeInteger(amountE7) || amountE7 <= 0)
    return { kind: "refused", reason: "invalid", detail: "amount must be a positive whole number of fen" };
  const expectedSeq = account.lastRefundSeq + 1;
  if (seq !== expectedSeq)
    return {
      kind: "refused",
      reason: seq < expectedSeq ? "stale" : "gap",
      lastSeq: account.lastRefundSeq,
      expectedSeq,
    };
  if (amountE7 > account.balanceE7)
    return { kind: "refused", reason: "exceeds-balance", amountE7, balanceE7: account.balanceE7 };
  return { kind: "applied", amountE7: -amountE7, balanceE7: account.balanceE7 - amountE7 };
}
