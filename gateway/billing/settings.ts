/**
 * Prepaid settings compiled once from config: integer money, compiled tariffs and policy, and which
 * meters bill to which account (from `meters[].account`, the one place that link is written).
 */
import type { Config } from "../config/index.ts";
import {
  compileAccount,
  compilePolicy,
  compileTariff,
  defaultPolicy,
  DEFAULT_READING_LIMITS,
  type AccountSettings,
  type PolicyConfig,
  type TariffConfig,
  type Policy,
  type ReadingLimits,
  type RestoreMode,
  type Tariff,
  type TariffVersion,
} from "../prepaid/index.ts";
import type { Account } from "../store/index.ts";

export interface PrepaidSettings {
  readonly timeZone: string;
  readonly policy: Policy;
  readonly tariffs: ReadonlyMap<string, Tariff>;
  /** Earlier versions of tariffs changed by `tariff.set` (stored-tariffs.ts), by ascending untilMs. */
  readonly tariffHistory?: ReadonlyMap<string, readonly TariffVersion[]>;
  /** The tariffs as configured (what the store keeps; compiled tariffs hold Sets that JSON would lose). */
  readonly tariffConfigs: ReadonlyMap<string, TariffConfig>;
  readonly accounts: ReadonlyMap<string, AccountSettings>;
  /** meter id -> account id, for meters that bill to an account. */
  readonly meterAccount: ReadonlyMap<string, string>;
  /** account id -> its meters (the inverse of meterAccount, built once). */
  readonly accountMeters: ReadonlyMap<string, readonly string[]>;
  /** Plausibility limits per meter (maxPowerW from config where given). */
  readonly readingLimits: ReadonlyMap<string, ReadingLimits>;
  /** Restore modes set on meters (`meters[].restoreMode`); others follow their account. */
  readonly meterRestoreModes?: ReadonlyMap<string, RestoreMode>;
  /** Transformer ratios of meters behind CTs/PTs (`meters[].ctRatio`, `ptRatio`); absent: 1 x 1. */
  readonly meterRatios?: ReadonlyMap<string, TransformerRatio>;
}

/** A meter's transformer ratios: charged energy = register delta x ctRatio x ptRatio. */
export interface TransformerRatio {
  readonly ctRatio: number;
  readonly ptRatio: number;
}

/**
 * A meter's restore mode: its own, else its account's as last set by `account.set` (kept in the account's
 * extras), else as configured, else `direct`.
 */
export function restoreModeOf(
  settings: PrepaidSettings,
  meterId: string,
  account: Pick<Account, "id" | "extras">,
): RestoreMode {
  const stored = account.extras["restoreMode"];
  return (
    settings.meterRestoreModes?.get(meterId) ??
    (stored === "direct" || stored === "allow-close" ? stored : undefined) ??
    settings.accounts.get(account.id)?.restoreMode ??
    "direct"
  );
}

/** "Close not allowed" as stored in the account's extras. */
export interface CloseNotAllowed {
  readonly reason: string;
  /** Epoch ms it was set. */
  readonly sinceMs: number;
}

/** Where the flag is kept in the account's extras (close-not-allowed.ts sets and lifts it). */
export const closeNotAllowedKey = "closeNotAllowed";

/** The account's flag, or undefined when closes are allowed. */
export function closeNotAllowedOf(extras: Readonly<Record<string, unknown>>): CloseNotAllowed | undefined {
  const stored = extras[closeNotAllowedKey];
  if (typeof stored !== "object" || stored === null) return undefined;
  const { reason, sinceMs } = stored as Partial<CloseNotAllowed>;
  return typeof reason === "string" && typeof sinceMs === "number" ? { reason, sinceMs } : undefined;
}

/** The compile functions read their input only; the casts drop the frozen config's deep `readonly`. */
export function compilePrepaidSettings(
  config: Pick<Config, "gateway" | "meters" | "accounts" | "tariffs" | "policy">,
): PrepaidSettings {
  const meterAccount = new Map<string, string>();
  const readingLimits = new Map<string, ReadingLimits>();
  const meterRestoreModes = new Map<string, RestoreMode>();
  const meterRatios = new Map<string, TransformerRatio>();
  const policy = config.policy === undefined ? defaultPolicy() : compilePolicy(config.policy as PolicyConfig);
  for (const meter of config.meters) {
    if (meter.account !== undefined) meterAccount.set(meter.id, meter.account);
    if (meter.restoreMode !== undefined) meterRestoreModes.set(meter.id, meter.restoreMode);
    if (meter.ctRatio !== undefined || meter.ptRatio !== undefined)
      meterRatios.set(meter.id, { ctRatio: meter.ctRatio ?? 1, ptRatio: meter.ptRatio ?? 1 });
    readingLimits.set(meter.id, {
      ...DEFAULT_READING_LIMITS,
      clockToleranceMs: policy.clockToleranceMs,
      ...(meter.maxPowerW === undefined ? {} : { maxPowerW: meter.maxPowerW }),
    });
  }
  const accounts = new Map<string, AccountSettings>();
  for (const account of config.accounts ?? []) {
    const meters = config.meters.filter((m) => m.account === account.id).map((m) => m.id);
    accounts.set(account.id, compileAccount(account, meters));
  }
  const accountMeters = new Map<string, string[]>();
  for (const [meterId, accountId] of meterAccount)
    accountMeters.set(accountId, [...(accountMeters.get(accountId) ?? []), meterId]);
  return {
    accountMeters,
    timeZone: config.gateway.timezone,
    policy,
    tariffs: new Map((config.tariffs ?? []).map((t) => [t.id, compileTariff(t as TariffConfig)])),
    tariffConfigs: new Map((config.tariffs ?? []).map((t) => [t.id, t as TariffConfig])),
    accounts,
    meterAccount,
    readingLimits,
    meterRestoreModes,
    meterRatios,
  };
}
