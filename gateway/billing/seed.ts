/**
 * First start of an account: config seeds it (thresholds, tariff, keep-power, opening balance as a
 * ledger adjustment). After that the store is the truth: changes arrive as commands and persist, so a
 * restart with the same config never resets a balance or undoes a command.
 */
import type { AccountProtection, AccountThresholds, Store } from "../store/index.ts";
import type { AccountSettings } from "../prepaid/index.ts";
import type { PrepaidSettings } from "./settings.ts";
import { recordBilling } from "../uplink/outbox-writer.ts";
import { money } from "./billing-format.ts";

/** An account's config settings in the store's shape: thresholds and keep-power. */
export function storedSettingsOf(account: AccountSettings): {
  thresholds: AccountThresholds;
  protection: AccountProtection | null;
} {
  return {
    thresholds: {
      alarm1E7: account.alarm1E7,
      alarm2E7: account.alarm2E7,
      overdraftLimitE7: account.overdraftLimitE7,
      hoardingLimitE7: account.hoardingLimitE7,
      closeAllowedMinE7: account.closeAllowedMinE7,
    },
    protection:
      account.protection === false
        ? null
        : { reason: account.protection.reason, untilMs: account.protection.untilMs ?? null },
  };
}

/** Creates the accounts the store does not have yet; returns the ids of those given an opening balance. */
export function seedAccounts(store: Store, settings: PrepaidSettings): string[] {
  const opened: string[] = [];
  for (const [id, tariff] of settings.tariffConfigs) {
    if (store.tariffs.get(id) === undefined) store.tariffs.upsert(id, tariff.kind, tariff);
  }
  for (const account of settings.accounts.values()) {
    if (store.accounts.get(account.id) !== undefined) continue;
    const { thresholds, protection } = storedSettingsOf(account);
    store.accounts.create({
      id: account.id,
      tariffId: account.tariffId,
      thresholds,
      ...(protection === null ? {} : { protection }),
    });
    // Purchases applied before the gateway took over (migration from another system).
    if (account.lastPurchaseSeq > 0)
      store.kv.set(`prepaid.purchaseBase.${account.id}`, account.lastPurchaseSeq);
    if (account.openingBalanceE7 !== 0) {
      const entry = store.ledger.post({
        accountId: account.id,
        kind: "adjustment",
        amountE7: account.openingBalanceE7,
        ref: "opening balance from config",
      });
      recordBilling(store, `adjustment:${entry.id}`, {
        kind: "adjustment",
        accountId: account.id,
        amount: money(account.openingBalanceE7),
        balance: money(entry.balanceAfterE7),
        reason: "opening balance from config",
      });
      opened.push(account.id);
    }
  }
  return opened;
}
