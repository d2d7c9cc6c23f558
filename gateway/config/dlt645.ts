/**
 * The DL/T 645-2007 variants of `buses[]` and `meters[]` (DOMAIN.md section 5). A DL/T 645 bus is a
 * serial line (usually 2400 baud 8E1) or a TCP connection to a transparent RS-485 converter carrying
 * raw frames; a DL/T 645 meter is addressed by its 12-digit communication address, not a Modbus unit.
 */
import * as z from "zod";
import { BAUD_RATES, commonBusFields } from "./bus-fields.ts";
import { hostName, intBetween, nonEmptyString } from "./fields.ts";
import { requirement } from "./messages.ts";

/** Keys every DL/T 645 bus has, with the reply timeout the standard's turnaround needs. */
const dlt645Fields = {
  ...commonBusFields,
  protocol: z.literal("dlt645"),
  /**
   * How long to wait for a reply, ms: 10..30000, default 1500. DL/T 645-2007 clause 6.1 lets a meter
   * take up to 500 ms before answering, and a 2400-baud reply of 40 bytes takes another 183 ms.
   */
  timeoutMs: intBetween(10, 30_000).default(1500),
  /** Silence between the end of one transaction and the next request, ms: 0..10000, default 50. */
  interFrameGapMs: intBetween(0, 10_000).default(50),
};

/** A serial RS-485 line carrying DL/T 645 frames. */
export const dlt645SerialBusSchema = z.strictObject({
  ...dlt645Fields,
  transport: z.literal("serial"),
  /** Serial device, e.g. `/dev/ttyUSB0` or `/dev/serial/by-id/...` (stable across reboots). */
  path: nonEmptyString,
  /** Line speed, bits/s: one of 1200..115200, default 2400 (the usual DL/T 645 rate; 1200 on old meters). */
  baudRate: z.literal(BAUD_RATES).default(2400),
  /** Parity bit: none | even | odd, default even (DL/T 645-2007 clause 4.2: 8 data bits, even parity). */
  parity: z.enum(["none", "even", "odd"]).default("even"),
  /** Data bits per character: 7 | 8, default 8. */
  dataBits: z.literal([7, 8]).default(8),
  /** Stop bits: 1 | 2, default 1. */
  stopBits: z.literal([1, 2]).default(1),
});

/** Raw DL/T 645 frames through a transparent TCP-to-RS485 converter (no framing of its own). */
export const dlt645TcpBusSchema = z.strictObject({
  ...dlt645Fields,
  transport: z.literal("tcp"),
  /** Host name or IP address of the converter. */
  host: hostName,
  /** TCP port of the converter's serial channel: 1..65535 (no default: converters differ). */
  port: intBetween(1, 65_535),
});

export const dlt645BusSchema = z.discriminatedUnion("transport", [dlt645SerialBusSchema, dlt645TcpBusSchema]);

/** Digits in a DL/T 645 communication address (6 bytes of BCD, DL/T 645-2007 clause 5.1). */
export const addressDigits = 12;

/**
 * A meter address: 12 decimal digits as written on the nameplate, e.g. `'000000000001'`. A YAML number
 * (the leading zeros lost) is padded back, so `address: 1668` is `000000001668`. The wildcard
 * AAAAAAAAAAAA and the broadcast 999999999999 address no one meter and are refused.
 */
export const meterAddress = z
  .union([z.string(), z.int().nonnegative()])
  .transform((value) => (typeof value === "number" ? String(value).padStart(addressDigits, "0") : value))
  .superRefine((address, ctx) => {
    const problem = addressProblem(address);
    if (problem !== undefined)
      ctx.addIssue({ code: "custom", input: address, message: `address ${problem}` });
  });

/** Why `address` is not a meter's own address, or undefined when it is one. */
export function addressProblem(address: string): string | undefined {
  if (!/^\d*$/.test(address)) {
    const bad = [...address].find((ch) => !/\d/.test(ch));
    return `may contain only the digits 0-9 (got '${address}', with '${bad}')`;
  }
  if (address.length !== addressDigits)
    return `must be ${addressDigits} digits (got '${address}', ${address.length} digits)`;
  if (address === "999999999999") return "999999999999 is the broadcast address, not a meter's";
  return undefined;
}

/** An operator code: 8 decimal digits, two per byte (C0-C3, sent low byte first). */
const operatorCode = z
  .union([z.string(), z.int().nonnegative()])
  .transform((value) => (typeof value === "number" ? String(value).padStart(8, "0") : value))
  .pipe(z.string().regex(/^\d{8}$/, { error: requirement("must be 8 decimal digits, e.g. '00000001'") }));

/**
 * Who may switch the relay (the 0x1C command's privilege fields, DL/T 645-2007 appendix: password
 * level PA and password P0-P2, operator code C0-C3). The password itself is in a file, never here.
 */
export const relayAuthSchema = z.strictObject({
  /**
   * Password level PA, the byte sent before the password: 0..99 as written (`2` is sent as 0x02,
   * `98` as 0x98). 98 and 99 are the secured (ESAM) levels, whose blocks only the platform can build.
   * Default 2.
   */
  level: intBetween(0, 99).default(2),
  /**
   * File holding the 6-digit password P2 P1 P0 as written on the meter's sheet (e.g. `123456`);
   * trailing newlines are ignored. Relative paths resolve against the config file's directory.
   * Absent: the factory password 000000.
   */
  passwordFile: nonEmptyString.optional(),
  /**
   * Order of the password bytes on the wire: `low-first` (the standard: every field low byte first,
   * so `123456` goes out as 56 34 12) or `as-written` (12 34 56, what some vendor tools send). Default
   * low-first.
   */
  passwordByteOrder: z.enum(["low-first", "as-written"]).default("low-first"),
  /** Operator code C0-C3, 8 decimal digits as written, sent low byte first. Default 00000000. */
  operator: operatorCode.default("00000000"),
});

/** A DL/T 645 meter; the Modbus variant's other keys mean the same here. */
export const dlt645MeterFields = {
  protocol: z.literal("dlt645"),
  /** The meter's communication address: 12 digits, written as a quoted string (see {@link meterAddress}). */
  address: meterAddress,
  /** Who may switch the relay: password level, password file, byte order, operator code. */
  relay: relayAuthSchema.prefault({}),
};
