/**
 * An account as `account.get` answers it (and `account.open` after opening): balance, thresholds,
 * keep-power, purchase and refund counts, the money alarms raised now and each relay meter's cut state.
 * Read-only: from the stored account, the engine's persisted state and the meters' decisions.
 */
import { MONEY_LEVELS, moneyStateOf, type MoneyLevel, type MoneyState } from "../prepaid/index.ts";
import type { TierCounter } from "../prepaid/index.ts";
import type { Account, Store } from "../store/index.ts";
import { money } from "./billing-format.ts";
import type { PrepaidEngine } from "./engine.ts";
import { supplyView } from "./supply-view.ts";
import type { AccountTariffView } from "./tariff-view.ts";

/** One relay meter's supply. */
export interface MeterSupply {
  readonly meter: string;
  readonly relay: "open" | "closed" | null;
  readonly cut: "none" | "announced" | "cut";
  readonly reason?: string;
}

/** The account as the platform reads it (catalog-lifecycle.ts accountViewSchema). */
export interface AccountView {
  readonly account: string;
  readonly customerNo: string | null;
  readonly meters: string[];
  readonly tariff: string | null;
  readonly balance: string;
  readonly moneyState: MoneyState;
  readonly thresholds: {
    alarm1: string;
    alarm2: string;
    overdraftLimit: string;
    hoardingLimit: string;
    closeAllowedMin: string;
  };
  readonly protection: { reason: string; until: number | null } | null;
  readonly lastPurchaseSeq: number;
  readonly lastRefundSeq: number;
  readonly alarms: MoneyLevel[];
  readonly supply: MeterSupply[];
  readonly closedAtMs: number | null;
  /** When the account's tariff switches to its next set (tariff-view.ts); null: none pending. */
  readonly tariffNextFromMs: number | null;
  /** The tier counter of a tiered tariff's settlement period; null for an untiered tariff. */
  readonly tierCounter: TierCounter | null;
}

/** The view of a stored account (`lastPurchaseSeq` as top-ups see it: lastPurchaseSeqOf). */
export function accountView(
  engine: PrepaidEngine,
  store: Store,
  account: Account,
  lastPurchaseSeq: number,
): AccountView {
  const t = account.thresholds;
  const lifecycle = store.lifecycle.get(account.id);
  const flags = engine.states.peekAccount(account.id).flags;
  return {
    account: account.id,
    customerNo: lifecycle?.customerNo ?? null,
    meters: metersOf(engine, account, lifecycle?.closedAtMs ?? null),
    tariff: account.tariffId,
    balance: money(account.balanceE7),
    moneyState: moneyStateOf(account.balanceE7, t),
    thresholds: {
      alarm1: money(t.alarm1E7),
      alarm2: money(t.alarm2E7),
      overdraftLimit: money(t.overdraftLimitE7),
      hoardingLimit: money(t.hoardingLimitE7),
      closeAllowedMin: money(t.closeAllowedMinE7),
    },
    protection:
      account.protection === null
        ? null
        : { reason: account.protection.reason, until: account.protection.untilMs },
    lastPurchaseSeq,
    lastRefundSeq: store.lifecycle.lastSeq(account.id, "refund"),
    alarms: MONEY_LEVELS.filter((level) => flags[level]),
    supply: engine.metersOf(account.id).map((meterId) => meterSupply(engine, store, meterId, account.id)),
    closedAtMs: lifecycle?.closedAtMs ?? null,
    ...tariffFields(engine.tariffView(account.id)),
  };
}

/**
 * The account's meters as billing uses them, and the meter `account.open` bound: inside the open's own
 * unit of work that binding is stored but not yet in force (it is after the commit, bindings.ts).
 */
function metersOf(engine: PrepaidEngine, account: Account, closedAtMs: number | null): string[] {
  const meters = [...(engine.settings.accountMeters.get(account.id) ?? [])];
  if (account.meterId !== null && closedAtMs === null && !meters.includes(account.meterId))
    meters.push(account.meterId);
  return meters;
}

function meterSupply(engine: PrepaidEngine, store: Store, meterId: string, accountId: string): MeterSupply {
  const view = supplyView(engine.states, store, meterId, accountId);
  const cut = view.cut;
  if (cut === null) return { meter: meterId, relay: view.commanded, cut: "none" };
  return cut.state === "cut"
    ? { meter: meterId, relay: view.commanded, cut: "cut", reason: cut.reason }
    : {
        meter: meterId,
        relay: view.commanded,
        cut: "announced",
        reason: `planned for ${new Date(cut.plannedAtMs).toISOString()}`,
      };
}

/** The account's pending switch-over and tier counter (tariff sets, tier-counter.ts). */
function tariffFields(view: AccountTariffView | undefined) {
  return {
    tariffNextFromMs: view?.sets?.next?.effectiveFromMs ?? null,
    tierCounter: view?.tierCounter ?? null,
  };
}
