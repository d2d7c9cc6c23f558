/**
 * What `config.get` answers: the configuration in force now, not the file as loaded at start. The
 * accounts and tariffs sections are the stored ones, which `account.set`, `tariff.set`, top-ups, charges
 * and reloads keep current: each account's tariff, limits and keep-power as in force, its current
 * `balance` and `lastPurchaseSeq` (the config file's keys, so a platform can compare them), and every
 * tariff including those only `tariff.set` created. The rest is the reloaded config. Secrets are only
 * ever file paths in a config, never their contents.
 */
import { formatMoneyE7 } from "../prepaid/index.ts";
import type { Config } from "../config/index.ts";
import type { Store } from "../store/index.ts";

/** The effective configuration as plain JSON data (see the module comment). */
export function effectiveConfig(
  config: Config,
  store: Pick<Store, "accounts" | "tariffs">,
): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  const accounts = store.accounts.list().map((a) => ({
    id: a.id,
    tariff: a.tariffId,
    balance: formatMoneyE7(a.balanceE7),
    lastPurchaseSeq: a.lastPurchaseSeq,
    alarm1: formatMoneyE7(a.thresholds.alarm1E7),
    alarm2: formatMoneyE7(a.thresholds.alarm2E7),
    overdraftLimit: formatMoneyE7(a.thresholds.overdraftLimitE7),
    hoardingLimit: formatMoneyE7(a.thresholds.hoardingLimitE7),
    closeAllowedMin: formatMoneyE7(a.thresholds.closeAllowedMinE7),
    protected: a.protection === null ? false : { reason: a.protection.reason, untilMs: a.protection.untilMs },
  }));
  const tariffs = store.tariffs.list().map((t) => t.definition);
  return { ...plain, accounts, tariffs };
}
