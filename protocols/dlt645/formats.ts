/**
 * Data formats of DL/T 645-2007 appendix A as data: BCD numbers with a fixed decimal point and an
 * optional sign bit, date/time layouts, digit strings and bit words. Each field goes low byte first.
 * Numbers decode into base units (Wh, varh, W, var, VA, V, A, Hz, fen); energy and money come out as
 * exact integers because the mantissa is scaled by a power of ten without floating point.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { fromBcdByte, toBcdByte } from "./bcd.ts";

/** Units as the standard writes them. */
export type Dlt645Unit =
  "kWh" | "kvarh" | "kW" | "kvar" | "kVA" | "V" | "A" | "Hz" | "" | "yuan" | "yuan/kWh" | "count";

/** The unit numbers decode into, and the power of ten from the standard's unit to it. */
export const baseUnits: Readonly<Record<Dlt645Unit, { readonly unit: string; readonly exponent: number }>> = {
  kWh: { unit: "Wh", exponent: 3 },
  kvarh: { unit: "varh", exponent: 3 },
  kW: { unit: "W", exponent: 3 },
  kvar: { unit: "var", exponent: 3 },
  kVA: { unit: "VA", exponent: 3 },
  V: { unit: "V", exponent: 0 },
  A: { unit: "A", exponent: 0 },
  Hz: { unit: "Hz", exponent: 0 },
  "": { unit: "", exponent: 0 },
  yuan: { unit: "fen", exponent: 2 },
  "yuan/kWh": { unit: "yuan/kWh", exponent: 0 },
  count: { unit: "", exponent: 0 },
};

/** A BCD number: `bytes` 1..6, `decimals` 0..6 implied decimal places (XXXXXX.XX has 4 bytes, 2). */
export interface NumberFormat {
  readonly kind: "number";
  readonly bytes: number;
  readonly decimals: number;
  /** True where appendix A marks the top bit of the top byte as the sign (1 = negative). */
  readonly signed: boolean;
  readonly unit: Dlt645Unit;
}

/** Date/time layouts, written most significant first as in appendix A (WW = weekday, 0 = Sunday). */
export type DateTimeLayout = "YYMMDDWW" | "hhmmss" | "YYMMDDhhmm" | "YYMMDDhhmmss";

/** A date/time field in one of the {@link DateTimeLayout}s. */
export interface DateTimeFormat {
  readonly kind: "datetime";
  readonly layout: DateTimeLayout;
}

/** A digit string such as the communication address (NNNNNNNNNNNN). */
export interface DigitsFormat {
  readonly kind: "digits";
  readonly bytes: number;
}

/** A status word: bits, not BCD. */
export interface BitsFormat {
  readonly kind: "bits";
  readonly bytes: number;
}

/** How one field of a DI is laid out. */
export type FieldFormat = NumberFormat | DateTimeFormat | DigitsFormat | BitsFormat;

/** Date and time fields as a meter holds them (local time, no zone); a layout fills some of them. */
export interface Dlt645DateTime {
  /** Full year, 2000..2099 (the wire has YY). */
  readonly year?: number;
  readonly month?: number;
  readonly day?: number;
  /** 0 = Sunday .. 6 = Saturday. */
  readonly weekday?: number;
  readonly hour?: number;
  readonly minute?: number;
  readonly second?: number;
}

/** One decoded field: a number in base units, a digit string, or date/time fields. */
export type FieldValue = number | string | Dlt645DateTime;

const layoutFields: Readonly<Record<DateTimeLayout, readonly (keyof Dlt645DateTime)[]>> = {
  YYMMDDWW: ["year", "month", "day", "weekday"],
  hhmmss: ["hour", "minute", "second"],
  YYMMDDhhmm: ["year", "month", "day", "hour", "minute"],
  YYMMDDhhmmss: ["year", "month", "day", "hour", "minute", "second"],
};

/** Bytes a field occupies on the wire. */
export function formatBytes(format: FieldFormat): number {
  return format.kind === "datetime" ? layoutFields[format.layout].length : format.bytes;
}

function badData(message: string, bytes: Uint8Array): GatewayError {
  return new GatewayError(ErrorCode.BadReply, message, { hex: Buffer.from(bytes).toString("hex") });
}

/** The signed BCD integer of a number field (XXX.X read as 2203 for 220.3 V). */
export function decodeMantissa(format: NumberFormat, bytes: Uint8Array): number {
  if (bytes.length !== format.bytes)
    throw badData(`expected ${format.bytes} bytes, got ${bytes.length}`, bytes);
  let mantissa = 0;
  let negative = false;
  for (let i = bytes.length - 1; i >= 0; i--) {
    let byte = bytes[i] ?? 0;
    if (format.signed && i === bytes.length - 1) {
      negative = (byte & 0x80) !== 0;
      byte &= 0x7f;
    }
    const digits = fromBcdByte(byte);
    if (digits === undefined) throw badData("not BCD", bytes);
    mantissa = mantissa * 100 + digits;
  }
  return negative && mantissa !== 0 ? -mantissa : mantissa;
}

/** Encodes a signed BCD integer into a number field (the simulator's side of {@link decodeMantissa}). */
export function encodeMantissa(format: NumberFormat, mantissa: number): Uint8Array {
  if (!Number.isSafeInteger(mantissa)) throw new RangeError(`mantissa must be an integer: ${mantissa}`);
  const digits = format.bytes * 2 - (format.signed ? 1 : 0);
  let rest = Math.abs(mantissa);
  if (rest >= 10 ** digits || (mantissa < 0 && !format.signed)) {
    throw new RangeError(
      `${mantissa} does not fit ${format.bytes} BCD bytes${format.signed ? " signed" : ""}`,
    );
  }
  const out = new Uint8Array(format.bytes);
  for (let i = 0; i < format.bytes; i++) {
    out[i] = toBcdByte(rest % 100);
    rest = Math.floor(rest / 100);
  }
  if (mantissa < 0) out[format.bytes - 1] = (out[format.bytes - 1] ?? 0) | 0x80;
  return out;
}

/** Mantissa to base units: an exact integer whenever the base unit has at least `decimals` places. */
export function mantissaToBase(format: NumberFormat, mantissa: number): number {
  const shift = baseUnits[format.unit].exponent - format.decimals;
  return shift >= 0 ? mantissa * 10 ** shift : mantissa / 10 ** -shift;
}

/** Base units to the mantissa, truncated toward zero like a meter's register (3456 Wh -> 345 of 0.01 kWh). */
export function baseToMantissa(format: NumberFormat, value: number): number {
  const shift = baseUnits[format.unit].exponent - format.decimals;
  return shift >= 0 ? Math.trunc(value / 10 ** shift) : Math.round(value * 10 ** -shift);
}

function decodeDateTime(format: DateTimeFormat, bytes: Uint8Array): Dlt645DateTime {
  const names = layoutFields[format.layout];
  if (bytes.length !== names.length) throw badData(`expected ${names.length} date bytes`, bytes);
  const fields: Record<string, number> = {};
  names.forEach((name, i) => {
    const value = fromBcdByte(bytes[names.length - 1 - i] ?? 0);
    if (value === undefined) throw badData("date/time not BCD", bytes);
    fields[name] = name === "year" ? 2000 + value : value;
  });
  return fields;
}

function encodeDateTime(format: DateTimeFormat, value: Dlt645DateTime): Uint8Array {
  const names = layoutFields[format.layout];
  const out = new Uint8Array(names.length);
  names.forEach((name, i) => {
    const field = value[name];
    if (field === undefined) throw new RangeError(`${format.layout} needs ${name}`);
    out[names.length - 1 - i] = toBcdByte(name === "year" ? field - 2000 : field);
  });
  return out;
}

/** Decodes one field. Throws GatewayError BAD_REPLY for non-BCD digits (FF FF from a meter mid-reset). */
export function decodeField(format: FieldFormat, bytes: Uint8Array): FieldValue {
  switch (format.kind) {
    case "number":
      return mantissaToBase(format, decodeMantissa(format, bytes));
    case "datetime":
      return decodeDateTime(format, bytes);
    case "digits": {
      let digits = "";
      for (let i = bytes.length - 1; i >= 0; i--) digits += (bytes[i] ?? 0).toString(16).padStart(2, "0");
      return digits.toUpperCase();
    }
    case "bits":
      return bytes.reduceRight((word, byte) => word * 256 + byte, 0);
  }
}

/** Encodes one field from the value {@link decodeField} would return. */
export function encodeField(format: FieldFormat, value: FieldValue): Uint8Array {
  switch (format.kind) {
    case "number":
      if (typeof value !== "number") throw new TypeError("number field needs a number");
      return encodeMantissa(format, baseToMantissa(format, value));
    case "datetime":
      if (typeof value !== "object") throw new TypeError("date/time field needs date fields");
      return encodeDateTime(format, value);
    case "digits": {
      if (typeof value !== "string" || value.length !== format.bytes * 2)
        throw new TypeError("digit string of the field's length");
      const out = new Uint8Array(format.bytes);
      for (let i = 0; i < format.bytes; i++)
        out[format.bytes - 1 - i] = Number.parseInt(value.slice(i * 2, i * 2 + 2), 16);
      return out;
    }
    case "bits": {
      if (typeof value !== "number") throw new TypeError("bit word needs a number");
      const out = new Uint8Array(format.bytes);
      for (let i = 0; i < format.bytes; i++) out[i] = Math.floor(value / 256 ** i) & 0xff;
      return out;
    }
  }
}
