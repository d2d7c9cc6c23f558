/**
 * 0x1C relay control (DL/T 645-2007 clause 7.12 with the State Grid cost-control extension). Data:
 * PA P0 P1 P2 (privilege level + password), C0..C3 (operator code), N1 command, N2, N3..N8 validity
 * deadline `ss mm hh DD MM YY`: 16 bytes. Meters at level 98 (ESAM) take an encrypted block instead of
 * N1..N8, which only the platform can produce; the gateway forwards it opaque.
 */
import { digitsToLowFirst, toBcdByte, type Dlt645Address } from "./bcd.ts";
import { FunctionCode } from "./control.ts";
import { encodeFrame, type Dlt645Frame, type EncodeOptions } from "./frame.ts";
import { decodeField, encodeField, type Dlt645DateTime } from "./formats.ts";

/** N1 commands. */
export const RelayCommand = {
  /** 1A: open the relay (拉闸). */
  trip: 0x1a,
  /** 1B: allow close; the relay closes when the customer holds the button for more than 3 s. */
  allowClose: 0x1b,
  /** 1C: close directly. */
  directClose: 0x1c,
  /** 1D: pre-trip, closes again by itself after N2 x 5 minutes. */
  preTripThenClose: 0x1d,
  /** 1E: pre-trip, allows close (button) after N2 x 5 minutes. */
  preTripThenAllowClose: 0x1e,
  /** 2A: alarm on. */
  alarmOn: 0x2a,
  /** 2B: alarm off. */
  alarmOff: 0x2b,
  /** 3A: keep-power (保电) on: the meter refuses trips. */
  keepPowerOn: 0x3a,
  /** 3B: keep-power off. */
  keepPowerOff: 0x3b,
} as const;

/** One of the N1 command bytes above. */
export type RelayCommand = (typeof RelayCommand)[keyof typeof RelayCommand];
/** `trip`, `allowClose`, ...: the names of {@link RelayCommand}. */
export type RelayCommandName = keyof typeof RelayCommand;

const commandNames = new Map<number, RelayCommandName>(
  Object.entries(RelayCommand).map(([name, code]) => [code, name as RelayCommandName]),
);

/** The name of an N1 byte, or `undefined` for one outside the command set. */
export function relayCommandName(code: number): RelayCommandName | undefined {
  return commandNames.get(code);
}

/**
 * How a meter expects the 3 password bytes: `low-first` like every DL/T 645 field (P0 = last two digits),
 * or `as-written` (P0 = first two digits), which some clients and meters use.
 */
export type PasswordOrder = "low-first" | "as-written";

/** Privilege level and password of a write or relay request. */
export interface Credentials {
  /** Privilege level 0..99, sent as one BCD byte (02 and 04 plaintext, 98 ESAM, 99 ESAM-free). */
  readonly level: number;
  /** Six decimal digits, as written on the meter's commissioning sheet. Never logged. */
  readonly password: string;
  /** Default `low-first`. */
  readonly passwordOrder?: PasswordOrder;
  /** Eight decimal digits identifying the operator (C0..C3, low byte first). */
  readonly operatorCode: string;
}

/** The 3 password bytes in the meter's order. */
export function encodePassword(password: string, order: PasswordOrder = "low-first"): Uint8Array {
  if (!/^[0-9]{6}$/.test(password)) throw new RangeError("a DL/T 645 password is 6 decimal digits");
  const lowFirst = digitsToLowFirst(password);
  return order === "low-first" ? lowFirst : lowFirst.reverse();
}

/** PA P0 P1 P2 C0 C1 C2 C3: the 8 bytes that open every 0x14 and 0x1C request. */
export function encodeCredentials(credentials: Credentials): Uint8Array {
  if (!/^[0-9]{8}$/.test(credentials.operatorCode))
    throw new RangeError("an operator code is 8 decimal digits");
  const out = new Uint8Array(8);
  out[0] = toBcdByte(credentials.level);
  out.set(encodePassword(credentials.password, credentials.passwordOrder), 1);
  out.set(digitsToLowFirst(credentials.operatorCode), 4);
  return out;
}

/** A plaintext relay command. */
export interface RelayControlRequest extends Credentials {
  readonly address: Dlt645Address;
  readonly command: RelayCommand;
  /** N2, 0..255, sent as is: reserved, or the pre-trip delay in 5-minute steps for 1D/1E. Default 0. */
  readonly n2?: number;
  /** N3..N8: the meter ignores the command after this local time (year..second all required). */
  readonly validUntil: Dlt645DateTime;
}

/** Data bytes of a plaintext 0x1C request (16 bytes). */
export function relayControlData(request: RelayControlRequest): Uint8Array {
  const n2 = request.n2 ?? 0;
  if (!Number.isInteger(n2) || n2 < 0 || n2 > 255) throw new RangeError(`N2 0..255: ${n2}`);
  const data = new Uint8Array(16);
  data.set(encodeCredentials(request), 0);
  data[8] = request.command;
  data[9] = n2;
  data.set(encodeField({ kind: "datetime", layout: "YYMMDDhhmmss" }, request.validUntil), 10);
  return data;
}

/** The 0x1C frame of a plaintext relay command. */
export function relayControlFrame(request: RelayControlRequest): Dlt645Frame {
  return { address: request.address, control: FunctionCode.relayControl, data: relayControlData(request) };
}

/** Encodes a plaintext relay command ready for the wire. */
export function buildRelayControl(request: RelayControlRequest, options?: EncodeOptions): Uint8Array {
  return encodeFrame(relayControlFrame(request), options);
}

/** A relay command for an ESAM meter: the platform's encrypted block and MAC, forwarded unchanged. */
export interface SecuredRelayControlRequest extends Credentials {
  readonly address: Dlt645Address;
  /** The ciphertext of N1..N8 as the platform produced it, 1..200 bytes, sent in the given order. */
  readonly ciphertext: Uint8Array;
  /** The MAC over it, 0..8 bytes (4 on State Grid meters), appended after the ciphertext. */
  readonly mac: Uint8Array;
}

/** Encodes a secured relay command: PA P0..P2 C0..C3 + ciphertext + MAC. */
export function buildSecuredRelayControl(
  request: SecuredRelayControlRequest,
  options?: EncodeOptions,
): Uint8Array {
  if (request.ciphertext.length < 1 || request.ciphertext.length > 200)
    throw new RangeError("ciphertext 1..200 bytes");
  if (request.mac.length > 8) throw new RangeError("MAC 0..8 bytes");
  const data = new Uint8Array(8 + request.ciphertext.length + request.mac.length);
  data.set(encodeCredentials(request), 0);
  data.set(request.ciphertext, 8);
  data.set(request.mac, 8 + request.ciphertext.length);
  return encodeFrame({ address: request.address, control: FunctionCode.relayControl, data }, options);
}

/** N1..N8 of a plaintext 0x1C request, decoded on the meter's side. */
export interface RelayControlBody {
  /** The N1 byte; see {@link relayCommandName} for its name (undefined outside the command set). */
  readonly command: number;
  readonly n2: number;
  readonly validUntil: Dlt645DateTime;
}

/** Decodes N1..N8 (8 bytes), or `undefined` when the length or the deadline's BCD is wrong. */
export function decodeRelayBody(body: Uint8Array): RelayControlBody | undefined {
  if (body.length !== 8) return undefined;
  try {
    const validUntil = decodeField(
      { kind: "datetime", layout: "YYMMDDhhmmss" },
      body.subarray(2),
    ) as Dlt645DateTime;
    return { command: body[0] ?? 0, n2: body[1] ?? 0, validUntil };
  } catch {
    return undefined;
  }
}
