/**
 * "Close not allowed" (合闸不允许, DOMAIN.md section 2, the highest priority of the State Grid relay
 * logic) on an account: set and lifted only by a signed command (`close-not-allowed`), e.g. while meter
 * tampering is investigated. While set, no close of the account's meters runs, not after a top-up, a
 * remote restore or keep-power (the decision reports `restore.blocked`); lifting it lets the withheld
 * close run. Kept in the account's extras, so it survives restarts and config reloads.
 */
import type { Store } from "../store/index.ts";
import { closeNotAllowedEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import type { PrepaidEngine } from "./engine.ts";
import type { OperationResult } from "./operation-result.ts";
import { liveAccount } from "./balance-commands.ts";
import { closeNotAllowedKey, closeNotAllowedOf } from "./settings.ts";

/** What the command answers. */
export interface CloseNotAllowedResult {
  readonly account: string;
  readonly on: boolean;
  /** Since when the flag is set (epoch ms), or null when lifted. */
  readonly since: number | null;
}

/**
 * Sets (`on`) or lifts the flag at `nowMs` (epoch ms) in one unit of work with its event; every meter of
 * the account decides again (a lift lets a withheld close run). Setting it again keeps the first time.
 */
export function setCloseNotAllowed(
  engine: PrepaidEngine,
  store: Store,
  change: { accountId: string; on: boolean; reason: string; nowMs: number },
): OperationResult<CloseNotAllowedResult> {
  const { accountId, on, reason, nowMs } = change;
  const account = liveAccount(store, accountId);
  if ("ok" in account) return account;
  const current = closeNotAllowedOf(account.extras);
  return engine.unitOfWork((queued) => {
    const { [closeNotAllowedKey]: _dropped, ...rest } = account.extras;
    const flag = on ? { reason, sinceMs: current?.sinceMs ?? nowMs } : undefined;
    store.accounts.updateSettings(accountId, {
      extras: flag === undefined ? rest : { ...rest, [closeNotAllowedKey]: flag },
    });
    if (on !== (current !== undefined)) recordEvent(store, closeNotAllowedEvent(accountId, on, reason));
    for (const meterId of engine.metersOf(accountId)) engine.decideFor(meterId, { kind: "tick" }, queued);
    return { ok: true, result: { account: accountId, on, since: flag?.sinceMs ?? null } };
  });
}
