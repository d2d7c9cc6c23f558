import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode, isGatewayError } from "../../core/errors.ts";
import {
  addExact,
  chargeE7,
  e7ToFen,
  fenToE7,
  formatMoneyE7,
  formatYuan,
  formatPriceE4,
  formatScaled,
  parseKwhToWh,
  parseMoneyE7,
  parsePriceE4,
  tryParseDecimal,
} from "./money.ts";

describe("money string parsing", () => {
  it.each([
    ["100.00", 1_000_000_000],
    ["100", 1_000_000_000],
    ["-5", -50_000_000],
    ["0.01", 100_000],
    ["0.0000001", 1],
    ["-0.0528", -528_000],
    ["-0", 0],
    ["007.5", 75_000_000],
    ["900719925.4740991", Number.MAX_SAFE_INTEGER],
    ["-900719925.4740991", -Number.MAX_SAFE_INTEGER],
  ])("parses %s yuan to %d E7", (text, expected) => {
    const value = parseMoneyE7(text);
    expect(value).toBe(expected);
    expect(Object.is(value, -0)).toBe(false);
  });

  it.each([
    ["", "not a plain decimal"],
    [" 1", "not a plain decimal"],
    ["1 ", "not a plain decimal"],
    ["+1", "not a plain decimal"],
    ["1e3", "not a plain decimal"],
    ["1.", "not a plain decimal"],
    [".5", "not a plain decimal"],
    ["1,000.00", "not a plain decimal"],
    ["0x10", "not a plain decimal"],
    ["NaN", "not a plain decimal"],
    ["--1", "not a plain decimal"],
    ["1.00000001", "has 8 decimals; at most 7 allowed"],
    ["900719925.4740992", "out of range"],
    ["99999999999999999999", "out of range"],
    ["1".repeat(41), "longer than 40"],
  ])("refuses %j with a clear reason", (text, reason) => {
    expect(() => parseMoneyE7(text)).toThrow(reason);
    try {
      parseMoneyE7(text);
    } catch (error) {
      expect(isGatewayError(error, ErrorCode.ConfigInvalid)).toBe(true);
    }
  });

  it("parses prices with up to 4 decimals and refuses negatives and a 5th decimal", () => {
    expect(parsePriceE4("0.5283")).toBe(5283);
    expect(parsePriceE4("1")).toBe(10_000);
    expect(parsePriceE4("9999.9999")).toBe(99_999_999);
    expect(() => parsePriceE4("0.52831")).toThrow(
      'Invalid price "0.52831": has 5 decimals; at most 4 allowed',
    );
    expect(() => parsePriceE4("-0.1")).toThrow("must not be negative");
  });

  it("parses kWh to whole Wh", () => {
    expect(parseKwhToWh("2880")).toBe(2_880_000);
    expect(parseKwhToWh("0.001")).toBe(1);
    expect(() => parseKwhToWh("0.0001")).toThrow("at most 3 allowed");
  });

  it("reports non-strings without throwing from tryParseDecimal", () => {
    expect(tryParseDecimal(0.5, 4)).toEqual({
      ok: false,
      reason: expect.stringContaining("decimal string") as unknown,
    });
  });
});

describe("money formatting", () => {
  it.each([
    [1_000_000_000, "100.00"],
    [-50_000_000, "-5.00"],
    [1, "0.0000001"],
    [-528_000, "-0.0528"],
    [0, "0.00"],
    [Number.MAX_SAFE_INTEGER, "900719925.4740991"],
  ])("formats %d E7 as %s", (value, text) => {
    expect(formatMoneyE7(value)).toBe(text);
  });

  it.each([
    [4_783_397, "0.47 yuan"],
    [795_216_603, "79.52 yuan"],
    [0, "0.00 yuan"],
    [-528_300, "-0.06 yuan"],
    [1_000_000_000, "100.00 yuan"],
  ])("shows %d E7 to people as %s (two decimals, rounded down to the fen)", (value, text) => {
    expect(formatYuan(value)).toBe(text);
  });

  it("formats prices with 4 decimals and scaled values exactly", () => {
    expect(formatPriceE4(5283)).toBe("0.5283");
    expect(formatPriceE4(10_000)).toBe("1.0000");
    expect(formatScaled(-5, 3, 0)).toBe("-0.005");
    expect(formatScaled(1200, 2, 0)).toBe("12");
  });

  it("round-trips every safe integer through format and parse", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        expect(parseMoneyE7(formatMoneyE7(value))).toBe(value);
      }),
    );
  });
});

describe("fen conversion and charges", () => {
  it("converts fen to E7 and back, rounding toward minus infinity by default", () => {
    expect(fenToE7(12_345)).toBe(1_234_500_000);
    expect(e7ToFen(1_234_500_000)).toBe(12_345);
    expect(e7ToFen(150_000)).toBe(1);
    expect(e7ToFen(-150_000)).toBe(-2);
    expect(e7ToFen(-150_000, "trunc")).toBe(-1);
    expect(e7ToFen(150_000, "ceil")).toBe(2);
    expect(e7ToFen(-100_000)).toBe(-1);
  });

  it("charges Wh x priceE4 exactly, e.g. 1 kWh at 0.5283 yuan is 0.5283 yuan", () => {
    expect(chargeE7(1000, 5283)).toBe(5_283_000);
    expect(formatMoneyE7(chargeE7(1000, 5283))).toBe("0.5283");
    expect(chargeE7(1, 1)).toBe(1);
  });

  it("refuses overflow, negative and fractional inputs instead of rounding", () => {
    expect(() => chargeE7(Number.MAX_SAFE_INTEGER, 2)).toThrow("overflows");
    expect(() => chargeE7(-1, 5283)).toThrow("must not be negative");
    expect(() => chargeE7(1.5, 5283)).toThrow("safe integer");
    expect(() => addExact(Number.MAX_SAFE_INTEGER, 1)).toThrow("overflows");
    expect(() => fenToE7(Number.MAX_SAFE_INTEGER)).toThrow("overflows");
  });
});
