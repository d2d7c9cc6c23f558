/**
 * Which meter bills to which account, with the bindings made by command. The config file's
 * `meters[].account` seeds them; the store holds what `account.open` and `account.close` did, and that
 * wins, at start and on every reload (SIGHUP), so a restart or a reload never undoes a command:
 * - a meter bound by `account.open` bills to that account, whatever the file's `meters[].account` says
 *   (a differing file entry is logged as overridden);
 * - the meters of a closed account bill to nothing, even when the file still names that account.
 * To move a meter that a command bound, close its account by command (README, "Accounts").
 */
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import type { PrepaidSettings } from "./settings.ts";

/** `settings` with the stored bindings applied over the configured ones. */
export function withStoredBindings(
  store: Pick<Store, "lifecycle">,
  settings: PrepaidSettings,
  logger?: Pick<Logger, "warn">,
): PrepaidSettings {
  const closed = new Set(store.lifecycle.closedIds());
  const meterAccount = new Map([...settings.meterAccount].filter(([, accountId]) => !closed.has(accountId)));
  for (const [meterId, accountId] of store.lifecycle.boundMeters()) {
    const configured = meterAccount.get(meterId);
    if (configured !== undefined && configured !== accountId)
      logger?.warn(
        { meterId, configured, bound: accountId },
        `meter ${meterId}: the config file bills it to ${configured}, but account.open bound it to ${accountId}; the command wins`,
      );
    meterAccount.set(meterId, accountId);
  }
  const accountMeters = new Map<string, string[]>();
  for (const [meterId, accountId] of meterAccount)
    accountMeters.set(accountId, [...(accountMeters.get(accountId) ?? []), meterId]);
  return { ...settings, meterAccount, accountMeters };
}
