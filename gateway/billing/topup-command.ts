/**
 * A top-up command: deduplicated by purchase count and bounded by the hoarding limit (prepaid/topup.ts).
 * Applied, duplicate and refused top-ups are all published on `billing`; an applied one re-evaluates
 * the account's alarms and relays. One unit of work.
 */
import { applyTopUp, fenToE7, type TopUpRefusal } from "../prepaid/index.ts";
import { E7_PER_FEN } from "../prepaid/money.ts";
import type { LedgerEntry } from "../store/ledger.ts";
import type { Account, Store } from "../store/index.ts";
import { nextBillingKey, recordBilling } from "../uplink/outbox-writer.ts";
import { money } from "./billing-format.ts";
import type { PrepaidEngine, QueuedEffect } from "./engine.ts";
import { liveAccount } from "./balance-commands.ts";
import type { OperationResult } from "./operation-result.ts";
import { lifecycleOf } from "../prepaid/index.ts";
import {
  type TopUpRecord,
  describe,
  figuresOf,
  orderNumberConflict,
  recordRefusedTopUp,
  rememberOrder,
  withOrderNo,
} from "./order-numbers.ts";

/** A top-up as the platform or a technician sends it. */
export interface TopUpCommand {
  account: string;
  amountFen: number;
  purchaseSeq: number;
  paymentRef: string;
  /** The platform's purchase order number (购电单号): a second key for exactly-once (order-numbers.ts). */
  orderNo?: string | undefined;
  source: "uplink" | "local";
}

const refusalCodes = {
  stale: "TOPUP_STALE",
  gap: "TOPUP_GAP",
  conflict: "TOPUP_CONFLICT",
  hoarding: "TOPUP_HOARDING_LIMIT",
  invalid: "TOPUP_INVALID",
  cap: "TOPUP_BALANCE_CAP",
} as const;

/**
 * An applied purchase as the sender made it: its amount and payment reference, and the balance right
 * after it was credited. A duplicate answers with the applied purchase's figures, not the request's.
 */
export interface AppliedPurchase {
  status: "applied" | "duplicate";
  amountFen: number;
  paymentRef: string;
  /** The applied purchase's order number, when it had one. */
  orderNo?: string;
  balance: string;
}
export type TopUpResult = OperationResult<AppliedPurchase>;

/** What the ledger says purchase `entry.purchaseSeq` was (an entry of kind `topup`). */
function appliedFrom(entry: LedgerEntry, status: AppliedPurchase["status"]): AppliedPurchase {
  return {
    status,
    amountFen: entry.amountE7 / E7_PER_FEN,
    paymentRef: entry.ref ?? "",
    balance: money(entry.balanceAfterE7),
  };
}

/**
 * The account's last applied purchase count: its top-ups here, or the count configured from before this
 * gateway (`accounts[].lastPurchaseSeq`), whichever is higher.
 */
export function lastPurchaseSeqOf(store: Pick<Store, "kv">, account: Account): number {
  const base = (store.kv.get(`prepaid.purchaseBase.${account.id}`) as number | undefined) ?? 0;
  return Math.max(account.lastPurchaseSeq, base);
}

/** Applies (or refuses) a top-up command in one unit of work. */
export function applyTopUpCommand(engine: PrepaidEngine, store: Store, cmd: TopUpCommand): TopUpResult {
  return engine.unitOfWork((queued) => {
    const account = liveAccount(store, cmd.account);
    if ("ok" in account) return account;
    const accountState = engine.states.account(cmd.account);
    const amountE7 = Number.isSafeInteger(cmd.amountFen) && cmd.amountFen > 0 ? fenToE7(cmd.amountFen) : 0;
    const record = recordOf(cmd);
    const orderConflict = orderNumberConflict(store, cmd, record, money(account.balanceE7));
    if (orderConflict !== undefined) return orderConflict;
    const earlier = store.ledger.findTopUp(cmd.account, cmd.purchaseSeq);
    if (earlier !== undefined) return repeatedPurchase(store, cmd, record, earlier, money(account.balanceE7));
    const outcome = applyTopUp(
      {
        balanceE7: account.balanceE7,
        lastPurchaseSeq: lastPurchaseSeqOf(store, account),
        lastPurchaseAmountE7: accountState.lastPurchaseAmountE7,
        hoardingLimitE7: account.thresholds.hoardingLimitE7,
        maxBalanceE7: lifecycleOf(engine.settings.policy).maxBalanceE7,
      },
      { seq: cmd.purchaseSeq, amountE7 },
    );
    switch (outcome.kind) {
      case "applied":
        return creditPurchase(engine, store, cmd, outcome.amountE7, queued);
      case "duplicate":
        return seededDuplicate(store, cmd, money(account.balanceE7));
      case "refused": {
        const message = refusalMessage(outcome, cmd.purchaseSeq);
        recordRefusedTopUp(store, cmd, record, money(account.balanceE7), message);
        return { ok: false, code: refusalCodes[outcome.reason], message, details: refusalDetails(outcome) };
      }
    }
  });
}

/** Posts an applied purchase with its order number, publishes it and re-evaluates the account. */
function creditPurchase(
  engine: PrepaidEngine,
  store: Store,
  cmd: TopUpCommand,
  amountE7: number,
  queued: QueuedEffect[],
): TopUpResult {
  const entry = store.ledger.post({
    accountId: cmd.account,
    kind: "topup",
    amountE7,
    purchaseSeq: cmd.purchaseSeq,
    ref: cmd.paymentRef,
  });
  rememberOrder(store, entry, cmd);
  engine.states.account(cmd.account).lastPurchaseAmountE7 = amountE7;
  const balance = money(entry.balanceAfterE7);
  recordBilling(store, `topup:${cmd.account}:${cmd.purchaseSeq}`, {
    kind: "topup",
    status: "applied",
    ...recordOf(cmd),
    balance,
  });
  engine.balanceChanged(cmd.account, entry.balanceAfterE7, queued, amountE7);
  return { ok: true, result: { status: "applied", ...figuresOf(cmd), balance } };
}

/** Why a top-up was refused, for the response and the billing record. */
function refusalMessage(outcome: TopUpRefusal, purchaseSeq: number): string {
  switch (outcome.reason) {
    case "gap":
      return `purchase ${outcome.missingSeq} is missing: deliver it first`;
    case "stale":
      return `purchase ${purchaseSeq} is older than the last applied (${outcome.lastPurchaseSeq})`;
    case "hoarding":
      return `balance would be ${money(outcome.wouldBeE7)}, above the hoarding limit ${money(outcome.hoardingLimitE7)}`;
    case "conflict":
      return `purchase ${purchaseSeq} was applied with another amount`;
    case "cap":
      return `balance would be ${money(outcome.wouldBeE7)}, above the gateway's maximum balance ${money(outcome.maxBalanceE7)}`;
    case "invalid":
      return "amount and purchase sequence must be positive whole numbers";
  }
}

/**
 * A duplicate of a purchase the ledger has no entry for (the purchase count was seeded from the config
 * file): only the balance is known, so the request's own figures are echoed.
 */
function seededDuplicate(store: Store, cmd: TopUpCommand, balance: string): TopUpResult {
  const key = nextBillingKey(store, `topup-duplicate:${cmd.account}:${cmd.purchaseSeq}`);
  recordBilling(store, key, { kind: "topup", status: "duplicate", ...recordOf(cmd), balance });
  return {
    ok: true,
    result: { status: "duplicate", ...figuresOf(cmd), balance },
  };
}

/** The request's figures as every billing `topup` record carries them. */
function recordOf(cmd: TopUpCommand): TopUpRecord {
  const { account, orderNo, ...rest } = cmd;
  return { accountId: account, ...rest, ...(orderNo === undefined ? {} : { orderNo }) };
}

/**
 * A purchase sequence the ledger already holds: the same purchase again (amount and payment reference
 * equal) is a duplicate answered with the applied figures; anything else is another payment under a
 * used number, refused TOPUP_CONFLICT naming the applied one, so a distinct payment cannot vanish.
 */
function repeatedPurchase(
  store: Store,
  cmd: TopUpCommand,
  record: TopUpRecord,
  earlier: LedgerEntry,
  balanceNow: string,
): TopUpResult {
  const applied = withOrderNo(store, earlier, appliedFrom(earlier, "duplicate"));
  const sameOrder =
    applied.orderNo === undefined || cmd.orderNo === undefined || applied.orderNo === cmd.orderNo;
  if (applied.amountFen === cmd.amountFen && applied.paymentRef === cmd.paymentRef && sameOrder) {
    const key = nextBillingKey(store, `topup-duplicate:${cmd.account}:${cmd.purchaseSeq}`);
    recordBilling(store, key, { kind: "topup", status: "duplicate", ...record, balance: balanceNow });
    return { ok: true, result: applied };
  }
  const message =
    `purchase ${cmd.purchaseSeq} was already applied as ${describe(applied)};` +
    ` this request has ${describe({ ...cmd, orderNo: cmd.orderNo })}`;
  recordRefusedTopUp(store, cmd, record, balanceNow, message);
  const { status: _status, ...figures } = applied;
  return {
    ok: false,
    code: "TOPUP_CONFLICT",
    message,
    details: { applied: { purchaseSeq: cmd.purchaseSeq, ...figures, atMs: earlier.atMs } },
  };
}

/** The facts behind a refusal, for `details` (docs/mqtt.md 6.5). */
function refusalDetails(outcome: TopUpRefusal): Record<string, unknown> {
  switch (outcome.reason) {
    case "gap":
    case "stale":
      return {
        lastAppliedPurchaseSeq: outcome.lastPurchaseSeq,
        expectedPurchaseSeq: outcome.lastPurchaseSeq + 1,
      };
    case "hoarding":
      return { wouldBe: money(outcome.wouldBeE7), hoardingLimit: money(outcome.hoardingLimitE7) };
    case "conflict":
      return { applied: { purchaseSeq: outcome.seq, amountFen: outcome.appliedAmountE7 / E7_PER_FEN } };
    case "cap":
      return { wouldBe: money(outcome.wouldBeE7), maxBalance: money(outcome.maxBalanceE7) };
    case "invalid":
      return { problem: outcome.detail };
  }
}
