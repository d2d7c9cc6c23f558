/**
 * What `config.get` answers: the configuration in force now, not the file as loaded at start. The
 * accounts and tariffs sections are the stored ones, which `account.set`, `tariff.set`, top-ups, charges
 * and reloads keep current: each account's tariff, limits and keep-power as in force, its current
 * `balance` and `lastPurchaseSeq` (the config file's keys, so a platform can compare them), and every
 * tariff including those only `tariff.set` created. The rest is the reloaded config. Secrets are only
 * ever file paths in a config, never their contents.
 *
 * Tariff sets (tariff-view.ts): `tariffs` lists each tariff's version in force now (its current set);
 * `tariffNext` lists the next sets not yet in force with their switch-over instants; each account
 * shows `tariffNextFromMs` (its tariff's switch-over, or null) and `tierCounter` (null unless tiered).
 * Each account also shows its `customerNo` and, once closed, `closedAtMs`.
 */
import { formatMoneyE7 } from "../prepaid/index.ts";
import type { Config } from "../config/index.ts";
import type { Store } from "../store/index.ts";
import type { PrepaidOperations } from "../billing/operations.ts";
import type { AccountTariffView } from "../billing/tariff-view.ts";

/** The effective configuration as plain JSON data (see the module comment). */
export function effectiveConfig(
  config: Config,
  store: Pick<Store, "accounts" | "tariffs" | "lifecycle">,
  tariffs?: TariffViews,
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
    ...accountTariffFields(tariffs?.tariffView(a.id)),
    ...lifecycleFields(store.lifecycle.get(a.id)),
  }));
  if (tariffs === undefined)
    return { ...plain, accounts, tariffs: store.tariffs.list().map((t) => t.definition) };
  const sets = tariffs.tariffSets();
  const tariffNext = sets.flatMap((t) =>
    t.next === null
      ? []
      : [{ tariff: t.tariff, effectiveFromMs: t.next.effectiveFromMs, definition: t.next.definition }],
  );
  return { ...plain, accounts, tariffs: sets.map((t) => t.current), tariffNext };
}

/**
 * An account's `customerNo` (account.open; null if none) and `closedAtMs` (account.close, epoch ms;
 * null while open): a closed account stays listed, with its final balance.
 */
function lifecycleFields(facts: { customerNo: string | null; closedAtMs: number | null } | undefined) {
  return { customerNo: facts?.customerNo ?? null, closedAtMs: facts?.closedAtMs ?? null };
}

/** The tariff sets and tier counters `config.get` shows (PrepaidOperations). */
export type TariffViews = PrepaidOperations["tariffs"];

/** An account's `tariffNextFromMs` (switch-over of its tariff's next set) and `tierCounter`. */
function accountTariffFields(view: AccountTariffView | undefined): Record<string, unknown> {
  if (view === undefined) return {};
  return { tariffNextFromMs: view.sets?.next?.effectiveFromMs ?? null, tierCounter: view.tierCounter };
}
