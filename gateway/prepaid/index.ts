/**
 * The prepaid domain, pure: money, tariffs, accounts, thresholds, the cutoff decision, top-ups and reading
 * plausibility. No I/O: time comes in as arguments, effects go out as data.
 */
export * from "./money.ts";
export * from "./money-schema.ts";
export * from "./windows.ts";
export * from "./local-time.ts";
export * from "./allocate.ts";
export * from "./tariff-config.ts";
export * from "./tariff.ts";
export * from "./tariff-sets.ts";
export * from "./tier-counter.ts";
export * from "./account.ts";
export * from "./policy.ts";
export * from "./friendly.ts";
export * from "./clock-check.ts";
export * from "./limits.ts";
export * from "./thresholds.ts";
export * from "./decision-types.ts";
export { decide } from "./decision.ts";
export * from "./purchase-sequence.ts";
export * from "./anomaly.ts";
export * from "./hold-streak.ts";
export * from "./meter-identity.ts";
export * from "./lifecycle-policy.ts";
export * from "./lifecycle.ts";
