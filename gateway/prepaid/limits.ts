/**
 * An account's money limits (DOMAIN.md section 2) and the one set of rules they must obey together. The
 * config file (accountConfigSchema) and the account.set command both check limits here, so a rule cannot
 * hold in one and not the other.
 */
import { tryParseDecimal, MONEY_DECIMALS } from "./money.ts";

/** Money limits of an account, 1e-7 yuan. Consistent when {@link thresholdProblems} finds nothing. */
export interface AccountLimits {
  /** First low-credit warning (DI 04001001), >= alarm2. */
  readonly alarm1E7: number;
  /** Second warning (DI 04001002), 0..alarm1. */
  readonly alarm2E7: number;
  /** Usage may continue down to -overdraftLimit (DI 04001003); >= 0. */
  readonly overdraftLimitE7: number;
  /** A top-up that would lift the balance above it is refused (DI 04001004); > closeAllowedMin. */
  readonly hoardingLimitE7: number;
  /** After an arrears cut the relay closes only above it (DI 04001005); >= -overdraftLimit. */
  readonly closeAllowedMinE7: number;
}

/** A limit's name as config and commands spell it (without the unit suffix). */
export type LimitField = "alarm1" | "alarm2" | "overdraftLimit" | "hoardingLimit" | "closeAllowedMin";

/** Limit fields in the order they are reported. */
export const LIMIT_FIELDS: readonly LimitField[] = [
  "alarm1",
  "alarm2",
  "overdraftLimit",
  "hoardingLimit",
  "closeAllowedMin",
];

/** A broken rule: the field to blame and a plain sentence (which repeats the field name). */
export interface LimitProblem {
  readonly field: LimitField;
  readonly message: string;
}

/**
 * Every rule `limits` break, in field order; empty when they are consistent. A NaN value (a field that
 * failed its own parse, already reported) breaks no rule, so one mistake is reported once.
 */
export function thresholdProblems(limits: AccountLimits): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const problem = (field: LimitField, message: string) => problems.push({ field, message });
  for (const field of ["alarm1", "alarm2", "overdraftLimit", "hoardingLimit"] as const) {
    if (limits[`${field}E7`] < 0) problem(field, `${field} must not be negative`);
  }
  if (limits.alarm2E7 > limits.alarm1E7) problem("alarm2", "alarm2 must not exceed alarm1");
  if (limits.closeAllowedMinE7 < -limits.overdraftLimitE7) {
    problem(
      "closeAllowedMin",
      "closeAllowedMin must be >= -overdraftLimit, or a restore would land in arrears",
    );
  }
  // Written as <= (not !(>)) so that NaN breaks nothing. Equal is refused: a balance above hoardingLimit
  // cannot be reached by a top-up, so supply could never come back.
  if (limits.hoardingLimitE7 <= limits.closeAllowedMinE7) {
    problem("hoardingLimit", "hoardingLimit must exceed closeAllowedMin, or no top-up could restore supply");
  }
  return problems;
}

/** New values for some limits, as decimal yuan strings (up to 7 decimals; signed for closeAllowedMin). */
export type LimitsPatch = Partial<Record<LimitField, string>>;

/** The patched limits and what changed, or why the patch is refused (one line, for people). */
export type LimitsUpdate =
  | { readonly ok: true; readonly limits: AccountLimits; readonly changed: Partial<AccountLimits> }
  | { readonly ok: false; readonly message: string };

/** Parses `patch`, applies it over `current` and checks the result with {@link thresholdProblems}. */
export function applyLimitsPatch(current: AccountLimits, patch: LimitsPatch): LimitsUpdate {
  const changed: Partial<Record<keyof AccountLimits, number>> = {};
  for (const field of LIMIT_FIELDS) {
    const text = patch[field];
    if (text === undefined) continue;
    const parsed = tryParseDecimal(text, MONEY_DECIMALS, { allowNegative: true });
    if (!parsed.ok) return { ok: false, message: `${field}: "${text}" ${parsed.reason}` };
    changed[`${field}E7`] = parsed.value;
  }
  const limits = { ...current, ...changed };
  const problems = thresholdProblems(limits);
  if (problems.length > 0) return { ok: false, message: problems.map((p) => p.message).join("; ") };
  return { ok: true, limits, changed };
}
