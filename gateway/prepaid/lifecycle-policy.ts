/**
 * Gateway-wide settings of the account lifecycle (issue 16), part of `policy`:
 * - `maxBalance`: the balance cap, decimal yuan, default "999999.99": the largest balance a cost-control
 *   meter's remaining-balance register holds (DL/T 645 DI 00900200, BCD XXXXXX.XX; DOMAIN.md section 2).
 *   A top-up, opening balance or adjustment that would take a balance above it is refused. It applies
 *   on top of each account's `hoardingLimit`.
 * - `closeSupply`: what `account.close` does with the supply of the account's meters: `leave` (default:
 *   the relay stays as it is; the meter is no longer billed) or `cut` (a cut is queued, audited like a
 *   remote cut).
 */
import * as z from "zod";
import { parseMoneyE7 } from "./money.ts";
import { nonNegativeMoneySchema } from "./money-schema.ts";

/** Default balance cap: 999,999.99 yuan, as 1e-7 yuan. */
export const DEFAULT_MAX_BALANCE_E7 = 9_999_999_900_000;

/** The lifecycle fields of the policy config schema (spread into policyConfigSchema). */
export const lifecyclePolicyFields = {
  maxBalance: nonNegativeMoneySchema.default("999999.99"),
  closeSupply: z.enum(["leave", "cut"]).default("leave"),
};

/** Compiled lifecycle settings. */
export interface LifecyclePolicy {
  /** Balance cap, 1e-7 yuan, >= 0. */
  readonly maxBalanceE7: number;
  readonly closeSupply: "leave" | "cut";
}

/** Compiles the lifecycle fields of a validated policy config. */
export function compileLifecyclePolicy(config: {
  maxBalance: string;
  closeSupply: "leave" | "cut";
}): LifecyclePolicy {
  return { maxBalanceE7: parseMoneyE7(config.maxBalance), closeSupply: config.closeSupply };
}

/** The lifecycle settings of a policy, defaults where a hand-built policy has none. */
export function lifecycleOf(policy: { readonly lifecycle?: LifecyclePolicy | undefined }): LifecyclePolicy {
  return policy.lifecycle ?? { maxBalanceE7: DEFAULT_MAX_BALANCE_E7, closeSupply: "leave" };
}
