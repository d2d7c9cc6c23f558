/**
 * Prepaid accounts: the config schema (money as decimal-string yuan, DOMAIN.md section 2 cost-control
 * parameters) and the compiled integer settings the pure domain works with.
 */
import * as z from "zod";
import { parseMoneyE7, tryParseDecimal, MONEY_DECIMALS } from "./money.ts";
import { idSchema, moneySchema, nonNegativeMoneySchema } from "./money-schema.ts";
import { thresholdProblems, type AccountLimits } from "./limits.ts";

/** A per-account pre-trip (decision-types.ts DecisionConfig.preTrip), compiled to milliseconds. */
export interface PreTripConfig {
  /** 1 min..2 h. */
  readonly offMs: number;
  /** 0..1 day. */
  readonly finalAfterMs: number;
}

/** Keep-power (保电): `false`, or why and optionally until when (ISO 8601 with offset). */
export const protectionConfigSchema = z.union([
  z.literal(false),
  z.strictObject({
    /** Why this supply must not be cut: "hospital", "street lighting", an agreement reference. 1..200 chars. */
    reason: z.string().min(1).max(200),
    /** End of the keep-power, e.g. "2026-10-08T00:00:00+08:00"; absent = until released. */
    until: z.iso.datetime({ offset: true }).optional(),
  }),
]);

/** How a restore closes the relay (decision-types.ts RestoreMode). */
export const restoreModeSchema = z.enum(["direct", "allow-close"]);

/**
 * One prepaid account. Money fields are yuan strings with up to 7 decimals:
 * - `balance`: opening balance (a migration or the last known balance), signed; default "0".
 * - `alarm1` >= `alarm2` >= 0: warning levels (报警金额1/2, DI 04001001/2). Defaults "50.00" / "30.00",
 *   the levels platforms use in practice (DOMAIN.md section 2).
 * - `overdraftLimit` >= 0: usage may continue down to -overdraftLimit, then the supply is cut (DI 04001003).
 * - `hoardingLimit` > `closeAllowedMin`: a top-up that would take the balance above it is refused
 *   (DI 04001004); default "10000.00".
 * - `closeAllowedMin`: after an arrears cut the relay closes again only when the balance exceeds it
 *   (DI 04001005); must be >= -overdraftLimit so a restore cannot land back in arrears.
 *   The rules between limits are those of limits.ts, shared with the account.set command.
 * - `protected`: keep-power; overrides every cut.
 * - `lastPurchaseSeq`: purchase count already applied (DI 03330201), for top-up deduplication.
 * - `restoreMode`: how its meters restore: `direct` (default) or `allow-close` (the customer closes the
 *   relay with the meter's button; DL/T 645 meters only, others restore directly). A meter's own
 *   `restoreMode` wins; `account.set` changes the account's.
 * - `preTrip`: a warning cut before the final arrears cut (the meters' pre-trip, DOMAIN.md section 5):
 *   the supply is off `offMin` (1..120) minutes, back on by itself, and cut for good `finalAfterMin`
 *   (0..1440, default 30) minutes later unless topped up. Absent: the first cut is the final one.
 */
export const accountConfigSchema = z
  .strictObject({
    id: idSchema,
    tariff: idSchema,
    balance: moneySchema.default("0"),
    alarm1: nonNegativeMoneySchema.default("50.00"),
    alarm2: nonNegativeMoneySchema.default("30.00"),
    overdraftLimit: nonNegativeMoneySchema.default("0"),
    hoardingLimit: nonNegativeMoneySchema.default("10000.00"),
    closeAllowedMin: moneySchema.default("0"),
    protected: protectionConfigSchema.default(false),
    lastPurchaseSeq: z.int().min(0).default(0),
    restoreMode: restoreModeSchema.optional(),
    preTrip: z
      .strictObject({ offMin: z.int().min(1).max(120), finalAfterMin: z.int().min(0).max(1440).default(30) })
      .optional(),
  })
  .superRefine((account, ctx) => {
    // Refinements run even when a field failed its own schema; such a field reads as NaN here and breaks
    // no rule (thresholdProblems), so each mistake is reported once, at its own path.
    const money = (text: string, allowNegative: boolean): number => {
      const result = tryParseDecimal(text, MONEY_DECIMALS, { allowNegative });
      return result.ok ? result.value : Number.NaN;
    };
    const limits = {
      alarm1E7: money(account.alarm1, false),
      alarm2E7: money(account.alarm2, false),
      overdraftLimitE7: money(account.overdraftLimit, false),
      hoardingLimitE7: money(account.hoardingLimit, false),
      closeAllowedMinE7: money(account.closeAllowedMin, true),
    };
    for (const { field, message } of thresholdProblems(limits)) {
      ctx.addIssue({ code: "custom", message, path: [field] });
    }
  });
/** A validated account config (money still as strings); compile with {@link compileAccount}. */
export type AccountConfig = z.output<typeof accountConfigSchema>;

/** The config file's account list: ids must be unique. Meters name their account (`meters[].account`). */
export const accountListSchema = z.array(accountConfigSchema).superRefine((accounts, ctx) => {
  const ids = new Set<string>();
  accounts.forEach((account, index) => {
    if (ids.has(account.id))
      ctx.addIssue({ code: "custom", message: `duplicate account id "${account.id}"`, path: [index, "id"] });
    ids.add(account.id);
  });
});

/** Keep-power in force: why, and until when (epoch ms; undefined = until released). */
export interface Protection {
  readonly reason: string;
  readonly untilMs?: number | undefined;
}

/** A compiled account: integer money, parsed protection. */
export interface AccountSettings extends AccountLimits {
  readonly id: string;
  readonly tariffId: string;
  readonly meterIds: readonly string[];
  readonly openingBalanceE7: number;
  readonly protection: Protection | false;
  readonly lastPurchaseSeq: number;
  /** Configured restore mode; undefined: direct, unless a command set another. */
  readonly restoreMode: "direct" | "allow-close" | undefined;
  /** Configured pre-trip, ms; absent: none. */
  readonly preTrip?: PreTripConfig;
}

/**
 * Compiles a validated account config (output of {@link accountConfigSchema}); `meterIds` are the
 * meters whose `account` names it.
 */
export function compileAccount(config: AccountConfig, meterIds: readonly string[] = []): AccountSettings {
  return {
    id: config.id,
    tariffId: config.tariff,
    meterIds: [...meterIds],
    openingBalanceE7: parseMoneyE7(config.balance),
    alarm1E7: parseMoneyE7(config.alarm1),
    alarm2E7: parseMoneyE7(config.alarm2),
    overdraftLimitE7: parseMoneyE7(config.overdraftLimit),
    hoardingLimitE7: parseMoneyE7(config.hoardingLimit),
    closeAllowedMinE7: parseMoneyE7(config.closeAllowedMin),
    protection:
      config.protected === false
        ? false
        : {
            reason: config.protected.reason,
            untilMs: config.protected.until === undefined ? undefined : Date.parse(config.protected.until),
          },
    lastPurchaseSeq: config.lastPurchaseSeq,
    restoreMode: config.restoreMode,
    ...(config.preTrip === undefined
      ? {}
      : {
          preTrip: {
            offMs: config.preTrip.offMin * 60_000,
            finalAfterMs: config.preTrip.finalAfterMin * 60_000,
          },
        }),
  };
}
