/**
 * Top-up deduplication by purchase sequence (购电次数, DL/T 645 DI 03330201; DOMAIN.md section 2):
 * stored + 1 applies; equal is a duplicate (acknowledged, no credit, as QoS 1 redelivers); lower is
 * refused; two or more ahead is refused naming the missing purchase; a balance above the hoarding limit
 * is refused. Pure: the caller persists the new balance and sequence together with the ledger entry.
 */
import { assertSafeInteger } from "./money.ts";

/** What the account knows before the top-up. */
export interface TopUpAccount {
  /** Current balance, 1e-7 yuan. */
  readonly balanceE7: number;
  /** Highest purchase sequence applied, >= 0 (0 = none yet). */
  readonly lastPurchaseSeq: number;
  /** Amount of that purchase, 1e-7 yuan, when known: a redelivery with another amount is a conflict. */
  readonly lastPurchaseAmountE7?: number | undefined;
  /** Balance ceiling, 1e-7 yuan (囤积金额限值). */
  readonly hoardingLimitE7: number;
  /** The gateway's balance cap (policy.maxBalance), 1e-7 yuan; absent: no cap beyond hoardingLimitE7. */
  readonly maxBalanceE7?: number | undefined;
}

/** A purchase as delivered by the platform. */
export interface TopUpRequest {
  /** Purchase sequence, positive safe integer. */
  readonly seq: number;
  /** Amount, 1e-7 yuan, > 0 (use fenToE7 for wire amounts). */
  readonly amountE7: number;
}

/** Outcome of {@link applyTopUp}: applied, duplicate (acknowledge, no credit) or refused. */
export type TopUpResult =
  | {
      readonly kind: "applied";
      readonly seq: number;
      readonly amountE7: number;
      /** Balance after the top-up, 1e-7 yuan. */
      readonly balanceE7: number;
    }
  /** Already applied: acknowledge to the sender, credit nothing. */
  | { readonly kind: "duplicate"; readonly seq: number }
  | TopUpRefusal;

/** Why a top-up was refused; each names what the sender needs to fix. */
export type TopUpRefusal =
  /** Sequence below the stored one: an old purchase replayed. */
  | {
      readonly kind: "refused";
      readonly reason: "stale";
      readonly seq: number;
      readonly lastPurchaseSeq: number;
    }
  /** Two or more ahead: purchase `missingSeq` never arrived and must be delivered first. */
  | {
      readonly kind: "refused";
      readonly reason: "gap";
      readonly seq: number;
      readonly lastPurchaseSeq: number;
      readonly missingSeq: number;
    }
  /** Same sequence as the last purchase but another amount. */
  | {
      readonly kind: "refused";
      readonly reason: "conflict";
      readonly seq: number;
      readonly amountE7: number;
      readonly appliedAmountE7: number;
    }
  /** The balance would exceed the hoarding limit. */
  | {
      readonly kind: "refused";
      readonly reason: "hoarding";
      readonly seq: number;
      readonly wouldBeE7: number;
      readonly hoardingLimitE7: number;
    }
  /** The balance would exceed the gateway's balance cap (policy.maxBalance). */
  | {
      readonly kind: "refused";
      readonly reason: "cap";
      readonly seq: number;
      readonly wouldBeE7: number;
      readonly maxBalanceE7: number;
    }
  /** Not a positive safe integer sequence or amount. */
  | { readonly kind: "refused"; readonly reason: "invalid"; readonly seq: number; readonly detail: string };

/** Decides a top-up. Checks run in the order: validity, sequence, amount conflict, hoarding, balance cap. */
export function applyTopUp(account: TopUpAccount, request: TopUpRequest): TopUpResult {
  const { seq, amountE7 } = request;
  if (!Number.isSafeInteger(seq) || seq < 1) {
    return { kind: "refused", reason: "invalid", seq, detail: "sequence must be a positive integer" };
  }
  if (!Number.isSafeInteger(amountE7) || amountE7 <= 0) {
    return { kind: "refused", reason: "invalid", seq, detail: "amount must be a positive integer" };
  }
  assertSafeInteger(account.balanceE7, "balanceE7");
  const last = account.lastPurchaseSeq;
  if (seq < last) return { kind: "refused", reason: "stale", seq, lastPurchaseSeq: last };
  if (seq === last) {
    const applied = account.lastPurchaseAmountE7;
    if (applied !== undefined && applied !== amountE7) {
      return { kind: "refused", reason: "conflict", seq, amountE7, appliedAmountE7: applied };
    }
    return { kind: "duplicate", seq };
  }
  if (seq > last + 1)
    return { kind: "refused", reason: "gap", seq, lastPurchaseSeq: last, missingSeq: last + 1 };
  const wouldBeE7 = account.balanceE7 + amountE7;
  // Beyond the exact range is certainly beyond any hoarding limit (itself a safe integer).
  if (!Number.isSafeInteger(wouldBeE7) || wouldBeE7 > account.hoardingLimitE7) {
    return { kind: "refused", reason: "hoarding", seq, wouldBeE7, hoardingLimitE7: account.hoardingLimitE7 };
  }
  // The gateway-wide cap binds an account whose own hoarding limit was set above it.
  const cap = account.maxBalanceE7;
  if (cap !== undefined && wouldBeE7 > cap)
    return { kind: "refused", reason: "cap", seq, wouldBeE7, maxBalanceE7: cap };
  return { kind: "applied", seq, amountE7, balanceE7: wouldBeE7 };
}
