/**
 * The alarm thresholds after a balance change (inside the engine's unit of work): each crossing is an
 * event, the meters' alarm output follows alarm 1, and a crossing also goes out as a `balance` billing
 * record with the money state.
 */
import type { Store } from "../store/index.ts";
import { evaluateThresholds, moneyStateOf } from "../prepaid/index.ts";
import { thresholdEvent } from "../uplink/event-specs/index.ts";
import { recordBilling, recordEvent } from "../uplink/outbox-writer.ts";
import { money } from "./billing-format.ts";
import type { QueuedEffect } from "./queued-effects.ts";
import type { AccountState } from "./state.ts";

/** Evaluates account `accountId`'s thresholds at `balanceE7` (1e-7 yuan); records and queues what crossed. */
export function recordThresholds(
  store: Store,
  accountState: AccountState,
  accountId: string,
  balanceE7: number,
  relayMeters: () => readonly string[],
  queued: QueuedEffect[],
): void {
  const account = store.accounts.require(accountId);
  const result = evaluateThresholds(accountState.flags, balanceE7, account.thresholds);
  accountState.flags = result.flags;
  for (const e of result.events) {
    recordEvent(store, thresholdEvent(e, { accountId }));
    // The meter's alarm (2A / 2B) sounds while the account is at or below alarm 1.
    if (e.level === "warning1")
      for (const meterId of relayMeters())
        queued.push({ kind: "control", meterId, control: "alarm", on: e.kind === "raised" });
  }
  if (result.events.length > 0) {
    recordBilling(store, `balance:${accountId}:${store.kv.increment("prepaid.balanceSeq")}`, {
      kind: "balance",
      accountId,
      balance: money(balanceE7),
      moneyState: moneyStateOf(balanceE7, account.thresholds),
    });
  }
}
