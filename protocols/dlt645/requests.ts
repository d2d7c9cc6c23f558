/**
 * Master-side request builders (DL/T 645-2007 clause 7). Each returns wire bytes (4 FE wake-up bytes by
 * default); the `*Frame` forms return the frame for callers that encode themselves.
 */
import { broadcastAddress, wildcardAddress, type Dlt645Address } from "./bcd.ts";
import { FunctionCode } from "./control.ts";
import { encodeFrame, type Dlt645Frame, type EncodeOptions } from "./frame.ts";
import { encodeField, type Dlt645DateTime } from "./formats.ts";
import { encodeCredentials, type Credentials } from "./relay.ts";

/** A DI's 4 bytes, DI0 first (clause 4.3.5). */
export function encodeDi(di: number): Uint8Array {
  const value = di >>> 0;
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

/** The DI of 4 bytes DI0 first. */
export function decodeDi(bytes: Uint8Array, at = 0): number {
  return (
    ((bytes[at] ?? 0) |
      ((bytes[at + 1] ?? 0) << 8) |
      ((bytes[at + 2] ?? 0) << 16) |
      ((bytes[at + 3] ?? 0) << 24)) >>>
    0
  );
}

/** 0x11 read of one DI (or a block DI such as 0001FF00). */
export function readFrame(address: Dlt645Address, di: number): Dlt645Frame {
  return { address, control: FunctionCode.read, data: encodeDi(di) };
}

/** Encodes a 0x11 read request. */
export function buildReadRequest(address: Dlt645Address, di: number, options?: EncodeOptions): Uint8Array {
  return encodeFrame(readFrame(address, di), options);
}

/**
 * 0x12 read follow-up (clause 7.2.3): after a reply with D5 set (0xB1/0xB2), ask for the next part.
 * `sequence` 1..255 numbers the follow-up frames; the first follow-up is 1 and the meter echoes it.
 */
export function followUpFrame(address: Dlt645Address, di: number, sequence: number): Dlt645Frame {
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 255)
    throw new RangeError(`sequence 1..255: ${sequence}`);
  const data = new Uint8Array(5);
  data.set(encodeDi(di), 0);
  data[4] = sequence;
  return { address, control: FunctionCode.readFollowUp, data };
}

/** Encodes a 0x12 follow-up request. */
export function buildFollowUpRequest(
  address: Dlt645Address,
  di: number,
  sequence: number,
  options?: EncodeOptions,
): Uint8Array {
  return encodeFrame(followUpFrame(address, di, sequence), options);
}

/** Encodes a 0x13 read-address request to the wildcard (only valid with one meter on the bus). */
export function buildReadAddressRequest(options?: EncodeOptions): Uint8Array {
  return encodeFrame(
    { address: wildcardAddress, control: FunctionCode.readAddress, data: new Uint8Array(0) },
    options,
  );
}

/**
 * 0x08 broadcast time to 999999999999 (clause 7.1): data `ss mm hh DD MM YY`, meter-local time, every
 * field from year to second required. Meters never answer; the rules on when to send live in the gateway.
 */
export function broadcastTimeFrame(time: Dlt645DateTime): Dlt645Frame {
  const data = encodeField({ kind: "datetime", layout: "YYMMDDhhmmss" }, time);
  return { address: broadcastAddress, control: FunctionCode.broadcastTime, data };
}

/** Encodes a 0x08 broadcast time frame. */
export function buildBroadcastTime(time: Dlt645DateTime, options?: EncodeOptions): Uint8Array {
  return encodeFrame(broadcastTimeFrame(time), options);
}

/** A 0x14 write: the DI, credentials, and the value's bytes (already encoded, low byte first). */
export interface WriteRequest extends Credentials {
  readonly address: Dlt645Address;
  readonly di: number;
  /** The value's unmasked bytes, 0..38 (50 bytes of data in all, clause 4.3.4). */
  readonly value: Uint8Array;
}

/** Encodes a 0x14 write: DI + PA P0..P2 + C0..C3 + value (clause 7.4). */
export function buildWriteRequest(request: WriteRequest, options?: EncodeOptions): Uint8Array {
  if (request.value.length > 38) throw new RangeError("a DL/T 645 write carries at most 38 value bytes");
  const data = new Uint8Array(12 + request.value.length);
  data.set(encodeDi(request.di), 0);
  data.set(encodeCredentials(request), 4);
  data.set(request.value, 12);
  return encodeFrame({ address: request.address, control: FunctionCode.write, data }, options);
}
