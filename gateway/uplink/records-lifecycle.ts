/**
 * Billing bodies of the account lifecycle (issue 16), spread into the `billing` stream schema
 * (records.ts): refunds (退费), accounts opened and closed, and the transformer fields of a charge.
 */
import * as z from "zod";

const moneyString = z.string().regex(/^-?\d+(\.\d{1,7})?$/, "decimal yuan string");
const id = z.string().min(1).max(64);

/**
 * Fields of a `charge` of a meter behind current and voltage transformers (ctRatio x ptRatio != 1):
 * `energyWh` and the parts are then the multiplied (primary) energy that was charged, and these say
 * what the meter's register moved and by what it was multiplied. Absent for a direct meter.
 */
export const transformerChargeFields = {
  rawEnergyWh: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      "register delta as the meter counted it (secondary side), Wh; energyWh = rawEnergyWh x ctRatio x ptRatio",
    ),
  ctRatio: z.number().int().positive().optional().describe("current transformer ratio, e.g. 40 for 200/5 A"),
  ptRatio: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("voltage transformer ratio, e.g. 100 for 10 kV/100 V"),
};

/** The lifecycle kinds of the `billing` stream. */
export const lifecycleBillingBodies = [
  z.strictObject({
    kind: z.literal("refund"),
    status: z.enum(["applied", "duplicate", "refused"]),
    accountId: id,
    refundSeq: z.number().int().positive(),
    amountFen: z.number().int().describe("amount returned to the customer, fen"),
    balance: moneyString.describe("balance after (applied) or now (duplicate, refused)"),
    reason: z.string().describe("the refund's reason, as sent"),
    refusal: z.string().optional().describe("why a refund was refused"),
    source: z.enum(["uplink", "local"]),
  }),
  z.strictObject({
    kind: z.literal("account"),
    status: z.enum(["opened", "closed"]),
    accountId: id,
    customerNo: z.string().nullable(),
    meterId: id.nullable().describe("the meter bound at opening or unbound at closing"),
    balance: moneyString.describe("opening balance (opened) or final balance (closed), yuan"),
    energyWh: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe(
        "closed: energy charged at close, from the last billed reading to finalEnergyWh (multiplied)",
      ),
    amount: moneyString.optional().describe("closed: what that final energy cost, yuan"),
    supply: z.enum(["leave", "cut"]).optional().describe("closed: what was done with the supply"),
    reason: z.string().optional(),
  }),
] as const;
