/**
 * The prepaid ledger, pure: entries are charges (usage), top-ups (purchases) and adjustments (opening
 * balance, corrections, refunds). The balance is never stored on its own authority: it is always
 * topups - charges + adjustments, exactly, and can be recomputed from the entries at any time.
 */
import { ErrorCode, GatewayError } from "../core/errors.ts";
import { addExact, assertSafeInteger } from "./money.ts";
import type { ChargeResult } from "./tariff.ts";

/** Usage charged to the account; amountE7 >= 0 (1e-7 yuan), energyWh >= 0. */
export interface ChargeEntry {
  readonly kind: "charge";
  readonly amountE7: number;
  readonly energyWh: number;
}

/** A purchase credited to the account; amountE7 > 0, seq the purchase sequence it applied. */
export interface TopUpEntry {
  readonly kind: "topup";
  readonly amountE7: number;
  readonly seq: number;
}

/** A signed correction (opening balance, refund, manual fix); amountE7 may be negative. */
export interface AdjustmentEntry {
  readonly kind: "adjustment";
  readonly amountE7: number;
  /** Audit reason, e.g. "opening balance", "refund ticket 1234". */
  readonly reason: string;
}

/** One ledger entry; stores may add their own fields (ids, times), which are ignored here. */
export type LedgerEntry = ChargeEntry | TopUpEntry | AdjustmentEntry;

/** Sums of a ledger, 1e-7 yuan. balanceE7 = topupsE7 - chargesE7 + adjustmentsE7. */
export interface LedgerTotals {
  readonly topupsE7: number;
  readonly chargesE7: number;
  readonly adjustmentsE7: number;
  readonly balanceE7: number;
  /** Energy charged, Wh. */
  readonly energyWh: number;
  /** Highest purchase sequence among the top-ups (0 when none). */
  readonly lastPurchaseSeq: number;
}

/** Totals of an empty ledger. */
export const EMPTY_TOTALS: LedgerTotals = {
  topupsE7: 0,
  chargesE7: 0,
  adjustmentsE7: 0,
  balanceE7: 0,
  energyWh: 0,
  lastPurchaseSeq: 0,
};

/** The signed effect of an entry on the balance, 1e-7 yuan. Throws INTERNAL for an invalid entry. */
export function balanceEffectE7(entry: LedgerEntry): number {
  assertSafeInteger(entry.amountE7, "amountE7");
  switch (entry.kind) {
    case "charge":
      if (entry.amountE7 < 0) throw invalid(entry, "a charge must not be negative");
      return -entry.amountE7;
    case "topup":
      if (entry.amountE7 <= 0) throw invalid(entry, "a top-up must be positive");
      return entry.amountE7;
    case "adjustment":
      return entry.amountE7;
  }
}

/** Adds one entry to running totals (exact; throws INTERNAL beyond the safe integer range). */
export function addEntry(totals: LedgerTotals, entry: LedgerEntry): LedgerTotals {
  const balanceE7 = addExact(totals.balanceE7, balanceEffectE7(entry));
  switch (entry.kind) {
    case "charge":
      assertSafeInteger(entry.energyWh, "energyWh");
      return {
        ...totals,
        balanceE7,
        chargesE7: addExact(totals.chargesE7, entry.amountE7),
        energyWh: addExact(totals.energyWh, entry.energyWh),
      };
    case "topup":
      return {
        ...totals,
        balanceE7,
        topupsE7: addExact(totals.topupsE7, entry.amountE7),
        lastPurchaseSeq: Math.max(totals.lastPurchaseSeq, entry.seq),
      };
    case "adjustment":
      return { ...totals, balanceE7, adjustmentsE7: addExact(totals.adjustmentsE7, entry.amountE7) };
  }
}

/** Recomputes the totals of a whole ledger, in entry order. */
export function recompute(entries: Iterable<LedgerEntry>): LedgerTotals {
  let totals = EMPTY_TOTALS;
  for (const entry of entries) totals = addEntry(totals, entry);
  return totals;
}

/** The ledger entry for a tariff charge. */
export function chargeEntryOf(result: ChargeResult): ChargeEntry {
  return { kind: "charge", amountE7: result.amountE7, energyWh: result.energyWh };
}

function invalid(entry: LedgerEntry, message: string): GatewayError {
  return new GatewayError(ErrorCode.Internal, `Invalid ledger entry: ${message}`, {
    kind: entry.kind,
    amountE7: entry.amountE7,
  });
}
