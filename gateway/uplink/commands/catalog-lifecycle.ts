/**
 * The account lifecycle commands (issue 16): open, close, read an account, adjust its balance and
 * refund (退费). Spread into the command catalog (catalog.ts); the same conventions: request = common
 * fields + these, money as decimal yuan strings or integer fen, every mutation audited.
 */
import * as z from "zod";
import { epochMsSchema } from "../envelope.ts";
import { moneyString } from "../records.ts";

const idSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1..64 of letters, digits, '_', '-', '.'");
const nonNegativeMoney = z.string().regex(/^\d+(\.\d{1,7})?$/, "non-negative decimal yuan string");
const reasonSchema = z.string().min(1).max(200).describe("why, for the audit trail: 1..200 characters");
const fen = z.number().int().min(1).max(100_000_000);

/** An account as `account.get` (and `account.open`) answers it. */
export const accountViewSchema = z.strictObject({
  account: idSchema,
  customerNo: z.string().nullable().describe("the platform's customer number (户号); null if never given"),
  meters: z.array(idSchema).describe("meters billed to this account"),
  tariff: idSchema.nullable(),
  balance: moneyString.describe("yuan"),
  moneyState: z.enum(["normal", "warning1", "warning2", "overdraft", "exhausted"]),
  thresholds: z.strictObject({
    alarm1: nonNegativeMoney,
    alarm2: nonNegativeMoney,
    overdraftLimit: nonNegativeMoney,
    hoardingLimit: nonNegativeMoney,
    closeAllowedMin: moneyString,
  }),
  protection: z
    .strictObject({ reason: z.string(), until: epochMsSchema.nullable() })
    .nullable()
    .describe("keep-power in force, or null"),
  lastPurchaseSeq: z.number().int().nonnegative().describe("purchase count of the last applied top-up"),
  lastRefundSeq: z.number().int().nonnegative().describe("refund count of the last applied refund"),
  alarms: z
    .array(z.enum(["warning1", "warning2", "overdraft", "exhausted"]))
    .describe("money alarms raised now (alarm.raised without alarm.cleared)"),
  supply: z
    .array(
      z.strictObject({
        meter: idSchema,
        relay: z.enum(["open", "closed"]).nullable().describe("position last commanded; null before a read"),
        cut: z
          .enum(["none", "announced", "cut"])
          .describe("announced: a cut is planned (cut.announced); cut: a cut stands"),
        reason: z.string().optional().describe("why the cut stands or when it is planned"),
      }),
    )
    .describe("per meter with a relay"),
  closedAtMs: epochMsSchema.nullable().describe("when account.close closed it; null while open"),
  tariffNextFromMs: epochMsSchema
    .nullable()
    .describe("when the account's tariff switches to its next set; null: no next set pending"),
  tierCounter: z
    .strictObject({
      settlement: z.enum(["monthly", "yearly"]),
      periodKey: z.string().describe('"2026-10" (monthly) or "2026" (yearly): the period counted now'),
      periodFromMs: epochMsSchema.describe("start of the settlement period, epoch ms"),
      periodToMs: epochMsSchema.describe("its end (exclusive), epoch ms"),
      usedWh: z.number().int().min(0).describe("energy charged in the period so far, Wh"),
      tier: z.number().int().min(0).describe("tier reached, 0-based"),
      tierFromWh: z.number().int().min(0).describe("where that tier starts, Wh"),
      nextTierFromWh: z.number().int().nullable().describe("where the next tier starts; null in the last"),
    })
    .nullable()
    .describe("tiered tariffs: the settlement period's counter; null for an untiered tariff"),
});

const openFields = {
  account: idSchema,
  customerNo: z.string().min(1).max(64).describe("the platform's customer number (户号)"),
  meter: idSchema.describe("a configured meter that bills to no open account"),
  tariff: idSchema,
  openingBalance: moneyString.optional().describe("yuan, posted as an adjustment; default 0"),
  alarm1: nonNegativeMoney.optional().describe("yuan; default 50.00"),
  alarm2: nonNegativeMoney.optional().describe("yuan; default 30.00"),
  overdraftLimit: nonNegativeMoney.optional().describe("yuan; default 0"),
  hoardingLimit: nonNegativeMoney.optional().describe("yuan; default 10000.00"),
  closeAllowedMin: moneyString.optional().describe("yuan; default 0"),
};
const openResult = z.strictObject({
  status: z.enum(["opened", "duplicate"]).describe("duplicate: opened before with these very settings"),
  view: accountViewSchema,
});

const closeFields = {
  account: idSchema,
  finalEnergyWh: z
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe(
      "the meter's import register at removal, Wh (raw, before ctRatio x ptRatio); absent: the last reading is final",
    ),
  reason: reasonSchema,
};
const closeResult = z.strictObject({
  account: idSchema,
  closedAtMs: epochMsSchema,
  energyWh: z.number().int().nonnegative().describe("energy charged at close (multiplied), Wh"),
  amount: moneyString.describe("charged at close, yuan"),
  finalBalance: moneyString.describe("balance after the final charge, yuan: what the platform settles"),
  supply: z.enum(["leave", "cut"]).describe("what was done with the supply (policy.closeSupply)"),
});

const adjustmentFields = {
  account: idSchema,
  amountFen: z
    .number()
    .int()
    .min(-100_000_000)
    .max(100_000_000)
    .refine((n) => n !== 0, { error: "must not be 0" })
    .describe("signed, fen: positive credits, negative debits; -100000000..100000000, not 0"),
  reason: reasonSchema,
  operator: z.string().min(1).max(64).describe("who made the adjustment, for the audit trail"),
};
const adjustmentResult = z.strictObject({
  account: idSchema,
  amountFen: z.number().int(),
  balance: moneyString.describe("balance after the adjustment, yuan"),
  ledgerId: z.number().int().positive().describe("the adjustment's ledger entry"),
});

const refundFields = {
  account: idSchema,
  refundSeq: z.number().int().min(1).max(2_147_483_647).describe("refund count: last applied + 1"),
  amountFen: fen.describe("amount returned to the customer, fen: 1..100000000"),
  reason: reasonSchema,
};
const refundResult = z.strictObject({
  status: z.enum(["applied", "duplicate"]).describe("duplicate: this same refund was already applied"),
  account: idSchema,
  refundSeq: z.number().int().positive(),
  amountFen: z.number().int().positive(),
  balance: moneyString.describe("balance right after the refund, yuan"),
});

/**
 * The lifecycle commands, keyed by command name. `base` is catalog.ts's requestBaseShape (passed in:
 * importing it here would be an import cycle).
 */
export function lifecycleCommands<B extends z.ZodRawShape>(base: B) {
  const request = <T extends z.ZodRawShape>(fields: T) => z.strictObject({ ...base, ...fields });
  return {
    "account.open": {
      kind: "mutation",
      summary: "open an account bound to a configured meter, with its tariff, thresholds and opening balance",
      request: request(openFields),
      result: openResult,
    },
    "account.close": {
      kind: "mutation",
      summary: "close an account: charge the final reading, report the final balance, unbind its meters",
      request: request(closeFields),
      result: closeResult,
    },
    "account.get": {
      kind: "query",
      summary:
        "an account's balance, thresholds, keep-power, purchase and refund counts, alarm and cut state",
      request: request({ account: idSchema }),
      result: accountViewSchema,
    },
    adjustment: {
      kind: "mutation",
      summary: "add to or subtract from a balance (a correction), with the reason and the operator",
      request: request(adjustmentFields),
      result: adjustmentResult,
    },
    refund: {
      kind: "mutation",
      summary: "refund (退费) part of a balance; deduplicated by refundSeq, never below zero",
      request: request(refundFields),
      result: refundResult,
    },
  } as const;
}

/** `orderNo` of a top-up request and result (catalog.ts). */
export const orderNoRequest = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .describe("purchase order number (购电单号): applied once");
export const orderNoResult = z
  .string()
  .optional()
  .describe("the applied purchase's order number, when it had one");
