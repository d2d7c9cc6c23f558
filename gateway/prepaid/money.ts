/**
 * Exact money and energy arithmetic for the prepaid ledger. No floating point touches a value: decimal
 * strings are parsed digit by digit (BigInt for the range check) into integers, and every product and sum
 * is checked to stay within Number.MAX_SAFE_INTEGER, where integer arithmetic on numbers is exact.
 *
 * Units (names carry them):
 * - money `...E7`: integer count of 1e-7 yuan. 1 fen = 100 000, 1 yuan = 10 000 000. Range +-9.007e8 yuan.
 * - price `priceE4`: integer count of 1e-4 yuan/kWh, the resolution of meter rate registers
 *   (DL/T 645 DI 04050101..04, XXXX.XXXX yuan/kWh).
 * - energy `...Wh`: integer watt-hours.
 * Then charge(Wh, priceE4) = Wh x priceE4 exactly in 1e-7 yuan, because 1 Wh x 1e-4 yuan/kWh = 1e-7 yuan.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** 1e-7 yuan units per fen (the wire carries integer fen). */
export const E7_PER_FEN = 100_000;
/** 1e-7 yuan units per yuan. */
export const E7_PER_YUAN = 10_000_000;
/** Decimals accepted in money strings (yuan): the ledger's exact resolution; finer values are refused, not rounded. */
export const MONEY_DECIMALS = 7;
/** Decimals accepted in price strings (yuan/kWh), as in meter rate registers. */
export const PRICE_DECIMALS = 4;
/** Decimals accepted in kWh strings: 3, so the value is a whole number of Wh. */
export const KWH_DECIMALS = 3;

/** Longest decimal string considered at all; anything longer is junk, whatever its digits. */
const MAX_TEXT_LENGTH = 40;
const DECIMAL_PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Result of {@link tryParseDecimal}: the scaled integer, or a reason fit for an error message. */
export type DecimalParse =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

/**
 * Parses a plain decimal string ("100.00", "-5", "0.5283") into an integer scaled by 10^decimals, without
 * floating point. Accepted: optional "-", digits, optionally "." and 1..decimals digits. Refused: signs "+",
 * exponents, spaces, "5." or ".5", more decimals than allowed, and values beyond Number.MAX_SAFE_INTEGER.
 * @param decimals 0..15, the scale of the result
 */
export function tryParseDecimal(
  text: unknown,
  decimals: number,
  options: { readonly allowNegative?: boolean } = {},
): DecimalParse {
  if (typeof text !== "string") return { ok: false, reason: 'must be a decimal string such as "12.34"' };
  if (text.length > MAX_TEXT_LENGTH)
    return { ok: false, reason: `is longer than ${MAX_TEXT_LENGTH} characters` };
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null) return { ok: false, reason: 'is not a plain decimal number such as "12.34"' };
  const negative = match[1] === "-";
  const whole = match[2] ?? "";
  const fraction = match[3] ?? "";
  if (fraction.length > decimals) {
    return { ok: false, reason: `has ${fraction.length} decimals; at most ${decimals} allowed` };
  }
  const scaled = BigInt(whole + fraction.padEnd(decimals, "0"));
  if (scaled > BigInt(Number.MAX_SAFE_INTEGER)) {
    return {
      ok: false,
      reason: `is out of range (the limit is ${formatScaled(Number.MAX_SAFE_INTEGER, decimals)})`,
    };
  }
  const magnitude = Number(scaled);
  if (negative && magnitude !== 0 && options.allowNegative !== true) {
    return { ok: false, reason: "must not be negative" };
  }
  // "-0" parses to 0, never to -0, so equality and formatting behave.
  return { ok: true, value: negative && magnitude !== 0 ? -magnitude : magnitude };
}

function parseOrThrow(what: string, text: string, decimals: number, allowNegative: boolean): number {
  const result = tryParseDecimal(text, decimals, { allowNegative });
  if (!result.ok) {
    throw new GatewayError(ErrorCode.ConfigInvalid, `Invalid ${what} "${text}": ${result.reason}`, {
      input: text,
      reason: result.reason,
    });
  }
  return result.value;
}

/** Parses signed yuan ("100.00", "-5", up to 7 decimals) into 1e-7 yuan. Throws CONFIG_INVALID. */
export function parseMoneyE7(text: string): number {
  return parseOrThrow("money amount", text, MONEY_DECIMALS, true);
}

/** Parses a non-negative price in yuan/kWh ("0.5283", up to 4 decimals) into 1e-4 yuan/kWh. Throws CONFIG_INVALID. */
export function parsePriceE4(text: string): number {
  return parseOrThrow("price", text, PRICE_DECIMALS, false);
}

/** Parses non-negative kWh ("2880", "0.5", up to 3 decimals) into Wh. Throws CONFIG_INVALID. */
export function parseKwhToWh(text: string): number {
  return parseOrThrow("energy", text, KWH_DECIMALS, false);
}

/**
 * Formats an integer scaled by 10^decimals as a decimal string, exactly (BigInt, no float division).
 * Trailing zeros are trimmed down to `minDecimals` (0..decimals).
 */
export function formatScaled(value: number, decimals: number, minDecimals: number = decimals): string {
  assertSafeInteger(value, "value");
  const digits = (value < 0 ? -BigInt(value) : BigInt(value)).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  let fraction = digits.slice(digits.length - decimals);
  while (fraction.length > minDecimals && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  const sign = value < 0 ? "-" : "";
  return fraction.length > 0 ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

/** Formats 1e-7 yuan as yuan: at least 2 decimals, up to 7 when needed ("100.00", "-0.0528"). */
export function formatMoneyE7(amountE7: number): string {
  return formatScaled(amountE7, MONEY_DECIMALS, 2);
}

/**
 * Money for people (messages, logs, the CLI): yuan with two decimals and the unit ("79.52 yuan",
 * "-0.06 yuan"). Rounded down to the fen, as {@link e7ToFen} does, so a balance shown never overstates
 * the customer's credit. Records and JSON keep the exact string of {@link formatMoneyE7}.
 */
export function formatYuan(amountE7: number): string {
  return `${formatScaled(e7ToFen(amountE7, "floor"), 2)} yuan`;
}

/** Formats 1e-4 yuan/kWh as yuan/kWh with 4 decimals ("0.5283"). */
export function formatPriceE4(priceE4: number): string {
  return formatScaled(priceE4, PRICE_DECIMALS);
}

/** Converts integer fen (as carried on the wire) to 1e-7 yuan. Throws INTERNAL beyond the safe range. */
export function fenToE7(fen: number): number {
  assertSafeInteger(fen, "fen");
  return checkedResult(fen * E7_PER_FEN, "fen to E7");
}

/**
 * Converts 1e-7 yuan to whole fen. `floor` (default) rounds toward minus infinity, so a reported balance
 * never overstates the customer's credit; `ceil` and `trunc` are there for the other direction.
 */
export function e7ToFen(amountE7: number, rounding: "floor" | "ceil" | "trunc" = "floor"): number {
  assertSafeInteger(amountE7, "amountE7");
  // Division of a safe integer by 1e5 then rounding is exact here: the remainder is computed exactly first.
  const remainder = amountE7 % E7_PER_FEN;
  const truncated = (amountE7 - remainder) / E7_PER_FEN;
  if (remainder === 0 || rounding === "trunc") return truncated;
  if (rounding === "floor") return remainder < 0 ? truncated - 1 : truncated;
  return remainder > 0 ? truncated + 1 : truncated;
}

/**
 * The cost of `energyWh` at `priceE4`, exactly, in 1e-7 yuan.
 * @param energyWh non-negative integer Wh
 * @param priceE4 non-negative integer 1e-4 yuan/kWh
 */
export function chargeE7(energyWh: number, priceE4: number): number {
  assertSafeInteger(energyWh, "energyWh");
  assertSafeInteger(priceE4, "priceE4");
  if (energyWh < 0 || priceE4 < 0) {
    throw new GatewayError(ErrorCode.Internal, "Energy and price must not be negative", {
      energyWh,
      priceE4,
    });
  }
  return checkedResult(energyWh * priceE4, "charge");
}

/** a + b for money or energy, refusing (INTERNAL) to leave the exact integer range. */
export function addExact(a: number, b: number): number {
  assertSafeInteger(a, "a");
  assertSafeInteger(b, "b");
  return checkedResult(a + b, "sum");
}

/** Throws INTERNAL unless `value` is a safe integer: the contract of every integer field in this module. */
export function assertSafeInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new GatewayError(ErrorCode.Internal, `${name} must be a safe integer, got ${String(value)}`, {
      [name]: value,
    });
  }
}

function checkedResult(value: number, operation: string): number {
  // A true result beyond 2^53 - 1 rounds to at least 2^53, so this check cannot be fooled by rounding.
  if (!Number.isSafeInteger(value)) {
    throw new GatewayError(ErrorCode.Internal, `${operation} overflows the exact integer range`, { value });
  }
  return value;
}
