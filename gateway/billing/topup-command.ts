/**
 * A top-up command: deduplicated by purchase count and bounded by the hoarding limit (prepaid/topup.ts).
 * Applied, duplicate and refused top-ups are all published on `billing`; an applied one re-evaluates
 * the account's alarms and relays. One unit of work.
 */
import { applyTopUp, fenToE7, type TopUpRefusal } from "../prepaid/index.ts";
import type { Account, Store } from "../store/index.ts";
import { nextBillingKey, recordBilling } from "../uplink/outbox-writer.ts";
import { money } from "./billing-format.ts";
import type { PrepaidEngine } from "./engine.ts";
import type { OperationResult } from "./operation-result.ts";

/** A top-up as the platform or a technician sends it. */
export interface TopUpCommand {
  account: string;
  amountFen: number;
  purchaseSeq: number;
  paymentRef: string;
  source: "uplink" | "local";
}

const refusalCodes = {
  stale: "TOPUP_STALE",
  gap: "TOPUP_GAP",
  conflict: "TOPUP_CONFLICT",
  hoarding: "TOPUP_HOARDING_LIMIT",
  invalid: "TOPUP_INVALID",
} as const;

type TopUpResult = OperationResult<{ status: "applied" | "duplicate"; balance: string }>;

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
    const account = store.accounts.get(cmd.account);
    if (account === undefined)
      return { ok: false, code: "UNKNOWN_ACCOUNT", message: `no account '${cmd.account}'` };
    const accountState = engine.states.account(cmd.account);
    const amountE7 = Number.isSafeInteger(cmd.amountFen) && cmd.amountFen > 0 ? fenToE7(cmd.amountFen) : 0;
    const outcome = applyTopUp(
      {
        balanceE7: account.balanceE7,
        lastPurchaseSeq: lastPurchaseSeqOf(store, account),
        lastPurchaseAmountE7: accountState.lastPurchaseAmountE7,
        hoardingLimitE7: account.thresholds.hoardingLimitE7,
      },
      { seq: cmd.purchaseSeq, amountE7 },
    );
    const record = {
      accountId: cmd.account,
      purchaseSeq: cmd.purchaseSeq,
      paymentRef: cmd.paymentRef,
      amountFen: cmd.amountFen,
      source: cmd.source,
    };
    switch (outcome.kind) {
      case "applied": {
        const entry = store.ledger.post({
          accountId: cmd.account,
          kind: "topup",
          amountE7: outcome.amountE7,
          purchaseSeq: outcome.seq,
          ref: cmd.paymentRef,
        });
        accountState.lastPurchaseAmountE7 = outcome.amountE7;
        const balance = money(entry.balanceAfterE7);
        recordBilling(store, `topup:${cmd.account}:${outcome.seq}`, {
          kind: "topup",
          status: "applied",
          ...record,
          balance,
        });
        engine.balanceChanged(cmd.account, entry.balanceAfterE7, queued, outcome.amountE7);
        return { ok: true, result: { status: "applied", balance } };
      }
      case "duplicate": {
        const key = nextBillingKey(store, `topup-duplicate:${cmd.account}:${cmd.purchaseSeq}`);
        const balance = money(account.balanceE7);
        recordBilling(store, key, { kind: "topup", status: "duplicate", ...record, balance });
        return { ok: true, result: { status: "duplicate", balance } };
      }
      case "refused": {
        const message = refusalMessage(outcome, cmd.purchaseSeq);
        const key = nextBillingKey(store, `topup-refused:${cmd.account}:${cmd.purchaseSeq}`);
        const balance = money(account.balanceE7);
        recordBilling(store, key, { kind: "topup", status: "refused", ...record, balance, reason: message });
        return { ok: false, code: refusalCodes[outcome.reason], message };
      }
    }
  });
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
    case "invalid":
      return "amount and purchase sequence must be positive whole numbers";
  }
}
