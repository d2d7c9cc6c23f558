/**
 * Money state levels (DOMAIN.md section 2): at or below alarm 1 a warning, at or below alarm 2 a second
 * warning, at or below zero overdraft begins, at or below -overdraftLimit credit is exhausted (the cut
 * level). Each level is a latched flag: crossing it raises one event, crossing back clears it with one
 * event, and polls in between say nothing (so a customer gets one SMS, not one per poll).
 */
import type { AccountLimits } from "./limits.ts";

/** Levels in order of severity. */
export const MONEY_LEVELS = ["warning1", "warning2", "overdraft", "exhausted"] as const;
/** A money level below normal. */
export type MoneyLevel = (typeof MONEY_LEVELS)[number];

/** The most severe level reached, or normal. */
export type MoneyState = "normal" | MoneyLevel;

/** Which levels are currently raised. */
export type MoneyFlags = Readonly<Record<MoneyLevel, boolean>>;

/** No level raised: the state of a fresh account before its first evaluation. */
export const NO_MONEY_FLAGS: MoneyFlags = {
  warning1: false,
  warning2: false,
  overdraft: false,
  exhausted: false,
};

/** A level was crossed downward (`raised`) or back upward (`cleared`). */
export interface ThresholdEvent {
  readonly kind: "raised" | "cleared";
  readonly level: MoneyLevel;
  /** Balance that caused it, 1e-7 yuan. */
  readonly balanceE7: number;
  /** The level's threshold (the balance is at or below it when raised), 1e-7 yuan. */
  readonly thresholdE7: number;
}

/** New flags, resulting state and the crossings to report. */
export interface ThresholdResult {
  readonly flags: MoneyFlags;
  readonly state: MoneyState;
  /** Raised events from least to most severe, cleared events from most to least severe. */
  readonly events: readonly ThresholdEvent[];
}

type MoneyLimits = Pick<AccountLimits, "alarm1E7" | "alarm2E7" | "overdraftLimitE7">;

/** Threshold of a level, 1e-7 yuan: the level holds while balance <= threshold. */
export function thresholdOf(level: MoneyLevel, limits: MoneyLimits): number {
  switch (level) {
    case "warning1":
      return limits.alarm1E7;
    case "warning2":
      return limits.alarm2E7;
    case "overdraft":
      return 0;
    case "exhausted":
      return -limits.overdraftLimitE7;
  }
}

/** The most severe level `balanceE7` is at or below, or normal. */
export function moneyStateOf(balanceE7: number, limits: MoneyLimits): MoneyState {
  let state: MoneyState = "normal";
  for (const level of MONEY_LEVELS) {
    if (balanceE7 <= thresholdOf(level, limits)) state = level;
  }
  return state;
}

/** Moves the flags to what `balanceE7` implies and reports each crossing once. */
export function evaluateThresholds(
  previous: MoneyFlags,
  balanceE7: number,
  limits: MoneyLimits,
): ThresholdResult {
  const flags: Record<MoneyLevel, boolean> = { ...previous };
  const raised: ThresholdEvent[] = [];
  const cleared: ThresholdEvent[] = [];
  for (const level of MONEY_LEVELS) {
    const thresholdE7 = thresholdOf(level, limits);
    const now = balanceE7 <= thresholdE7;
    if (now === previous[level]) continue;
    flags[level] = now;
    (now ? raised : cleared).push({ kind: now ? "raised" : "cleared", level, balanceE7, thresholdE7 });
  }
  return { flags, state: moneyStateOf(balanceE7, limits), events: [...raised, ...cleared.reverse()] };
}
