/**
 * The platform's purchase order number (购电单号, `orderNo`) as a second exactly-once key of a top-up,
 * beside the purchase count: one order is one payment, so the same order under another purchase count
 * (or on another account) is refused TOPUP_ORDER_CONFLICT naming the applied purchase, and a purchase count
 * redelivered with another order number is a conflict too. Stored in `ledger_orders` (store/lifecycle.ts).
 */
import { E7_PER_FEN } from "../prepaid/money.ts";
import type { LedgerEntry, Store } from "../store/index.ts";
import type { BillingBody } from "../uplink/records.ts";
import { nextBillingKey, recordBilling } from "../uplink/outbox-writer.ts";
import { money } from "./billing-format.ts";
import type { OperationResult } from "./operation-result.ts";

type TopUpBody = Extract<BillingBody, { kind: "topup" }>;
/** The request's figures as every billing `topup` record carries them. */
export type TopUpRecord = Omit<TopUpBody, "kind" | "status" | "balance" | "reason">;

/** What a top-up request says about its purchase. */
export interface PurchaseFigures {
  readonly account: string;
  readonly purchaseSeq: number;
  readonly amountFen: number;
  readonly paymentRef: string;
  readonly orderNo?: string | undefined;
}

/** Amount, payment reference and (when given) order number of a request, as a result carries them. */
export function figuresOf(cmd: PurchaseFigures): { amountFen: number; paymentRef: string; orderNo?: string } {
  return {
    amountFen: cmd.amountFen,
    paymentRef: cmd.paymentRef,
    ...(cmd.orderNo === undefined ? {} : { orderNo: cmd.orderNo }),
  };
}

/** One purchase in words, for conflict messages. */
export function describe(p: { amountFen: number; paymentRef: string; orderNo?: string | undefined }): string {
  const order = p.orderNo === undefined ? "" : ` (order ${p.orderNo})`;
  return `${p.paymentRef}${order} for ${p.amountFen} fen`;
}

/** `applied` with the order number stored for its ledger entry, if any. */
export function withOrderNo<T extends object>(
  store: Store,
  entry: LedgerEntry,
  applied: T,
): T & { orderNo?: string } {
  const order =
    entry.purchaseSeq === null
      ? undefined
      : store.lifecycle.findBySeq(entry.accountId, "topup", entry.purchaseSeq);
  return order?.orderNo == null ? applied : { ...applied, orderNo: order.orderNo };
}

/** Stores the order behind an applied top-up (same unit of work as its ledger entry). */
export function rememberOrder(store: Store, entry: LedgerEntry, cmd: PurchaseFigures): void {
  store.lifecycle.recordOrder({
    ledgerId: entry.id,
    accountId: entry.accountId,
    kind: "topup",
    seq: cmd.purchaseSeq,
    orderNo: cmd.orderNo ?? null,
  });
}

/**
 * TOPUP_ORDER_CONFLICT when `cmd.orderNo` was already applied as another purchase (another purchase count or
 * account), published as a refused top-up; undefined when the order is new or is this very purchase.
 */
export function orderNumberConflict(
  store: Store,
  cmd: PurchaseFigures,
  record: TopUpRecord,
  balanceNow: string,
): OperationResult<never> | undefined {
  if (cmd.orderNo === undefined) return undefined;
  const order = store.lifecycle.findByOrderNo("topup", cmd.orderNo);
  if (order === undefined || (order.accountId === cmd.account && order.seq === cmd.purchaseSeq))
    return undefined;
  const entry = store.ledger.get(order.ledgerId);
  if (entry === undefined) return undefined;
  const applied = {
    account: order.accountId,
    purchaseSeq: order.seq,
    orderNo: cmd.orderNo,
    amountFen: entry.amountE7 / E7_PER_FEN,
    paymentRef: entry.ref ?? "",
    balance: money(entry.balanceAfterE7),
    atMs: entry.atMs,
  };
  const message =
    `order ${cmd.orderNo} was already applied as purchase ${order.seq} of account ${order.accountId};` +
    ` this request has purchase ${cmd.purchaseSeq} of account ${cmd.account}`;
  recordRefusedTopUp(store, cmd, record, balanceNow, message);
  return { ok: false, code: "TOPUP_ORDER_CONFLICT", message, details: { applied } };
}

/** The billing record of a refused top-up (nothing credited), under a fresh key of its purchase. */
export function recordRefusedTopUp(
  store: Store,
  cmd: PurchaseFigures,
  record: TopUpRecord,
  balance: string,
  reason: string,
): void {
  const key = nextBillingKey(store, `topup-refused:${cmd.account}:${cmd.purchaseSeq}`);
  recordBilling(store, key, { kind: "topup", status: "refused", ...record, balance, reason });
}
