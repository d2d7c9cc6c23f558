/**
 * zod schemas for money, prices and energy written as decimal strings in config. Strings, not YAML numbers:
 * a number has already been through floating point by the time zod sees it ("0.1" + "0.2" problems), and a
 * quoted string keeps exactly what the operator wrote. Validation reuses the exact parser from money.ts.
 */
import * as z from "zod";
import { KWH_DECIMALS, MONEY_DECIMALS, PRICE_DECIMALS, tryParseDecimal } from "./money.ts";

function decimalString(decimals: number, allowNegative: boolean, example: string) {
  return z
    .string({ error: `must be a quoted decimal string such as "${example}"` })
    .superRefine((text, ctx) => {
      const result = tryParseDecimal(text, decimals, { allowNegative });
      if (!result.ok) ctx.addIssue({ code: "custom", message: `"${text}" ${result.reason}` });
    });
}

/** Signed yuan, up to 7 decimals: "100.00", "-5". */
export const moneySchema = decimalString(MONEY_DECIMALS, true, "100.00");

/** Non-negative yuan, up to 7 decimals: "50.00". */
export const nonNegativeMoneySchema = decimalString(MONEY_DECIMALS, false, "50.00");

/** Non-negative yuan/kWh, up to 4 decimals (meter rate register resolution): "0.5283". */
export const priceSchema = decimalString(PRICE_DECIMALS, false, "0.5283");

/** Non-negative kWh, up to 3 decimals (so a whole number of Wh): "2880". */
export const kwhSchema = decimalString(KWH_DECIMALS, false, "2880");

/** Identifier of a tariff, account or meter: 1..64 of letters, digits, "_", "-", ".". */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "must be 1..64 letters, digits, '_', '-' or '.'" });
