/**
 * An account's tariff sets and tier counter as `config.get`, status and `account.get` show them. The
 * model: tariffs are shared ids; an account is bound to one; its current and next sets are those of that
 * tariff at the moment asked (prepaid/tariff-sets.ts); its tier counter is its own (per account, energy
 * charged in the settlement period, kept with the engine's account state).
 */
import {
  tariffSetsAt,
  tierCounterAt,
  type SettlementUsage,
  type Tariff,
  type TariffTimeline,
  type TierCounter,
} from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import type { PrepaidSettings } from "./settings.ts";
import { storedTimeline } from "./stored-tariffs.ts";

/** The sets of one tariff now, as definitions (the config file's shape). */
export interface TariffSetsView {
  readonly tariff: string;
  /** The version in force now. */
  readonly current: unknown;
  /** When it took effect, epoch ms; null: since the tariff was first defined. */
  readonly currentSinceMs: number | null;
  /** The next set and its switch-over instant (epoch ms, later than now); null: none set. */
  readonly next: { readonly effectiveFromMs: number; readonly definition: unknown } | null;
}

/** An account's tariff: its sets now and its tier counter. */
export interface AccountTariffView {
  readonly account: string;
  /** The tariff the account is bound to; null: none (the view's sets are then null too). */
  readonly sets: TariffSetsView | null;
  /** The account's tier counter now; null unless the tariff in force is tiered. */
  readonly tierCounter: TierCounter | null;
}

/** What the views read. */
export interface TariffViewSource {
  readonly store: Store;
  readonly settings: PrepaidSettings;
  /** The account's stored settlement usage (engine state), without marking it for writing. */
  readonly usage: (accountId: string) => SettlementUsage | undefined;
  /** Epoch ms: the instant the view is of. */
  readonly nowMs: number;
}

/** The sets of tariff `id` now; undefined for a tariff the gateway does not know. */
export function tariffSetsView(source: TariffViewSource, id: string): TariffSetsView | undefined {
  const timeline = storedTimeline(source.store, source.settings, id);
  if (timeline === undefined) return undefined;
  const sets = tariffSetsAt(timeline, source.nowMs);
  return {
    tariff: id,
    current: sets.current,
    currentSinceMs: sets.currentSinceMs ?? null,
    next:
      sets.next === undefined
        ? null
        : { effectiveFromMs: sets.next.effectiveFromMs, definition: sets.next.value },
  };
}

/**
 * Account `accountId`'s current and next tariff sets and its tier counter now (for `account.get`,
 * `config.get` and status); undefined for an unknown account.
 */
export function accountTariffView(
  source: TariffViewSource,
  accountId: string,
): AccountTariffView | undefined {
  const account = source.store.accounts.get(accountId);
  if (account === undefined) return undefined;
  const id = account.tariffId;
  const sets = id === null || id === undefined ? undefined : tariffSetsView(source, id);
  const inForce = id === null || id === undefined ? undefined : compiledInForce(source, id);
  const counter =
    inForce === undefined
      ? undefined
      : tierCounterAt(inForce, source.usage(accountId), source.nowMs, source.settings.timeZone);
  return { account: accountId, sets: sets ?? null, tierCounter: counter ?? null };
}

/** The compiled version of tariff `id` in force now. */
function compiledInForce(source: TariffViewSource, id: string): Tariff | undefined {
  const latest = source.settings.tariffs.get(id);
  if (latest === undefined) return undefined;
  const history = source.settings.tariffHistory?.get(id) ?? [];
  const timeline: TariffTimeline<Tariff> = {
    earlier: history.map((v) => ({ untilMs: v.untilMs, value: v.tariff })),
    latest,
  };
  return tariffSetsAt(timeline, source.nowMs).current;
}
