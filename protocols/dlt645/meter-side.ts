/**
 * The meter's side of the codec, for the simulator: request frames decoded into typed requests, and
 * reply frames built (clause 7). Same byte layouts as requests.ts and replies.ts, read the other way.
 */
import { encodeAddress, fromBcdByte, lowFirstToDigits, type Dlt645Address } from "./bcd.ts";
import { FunctionCode, ReplyControl, composeControl } from "./control.ts";
import type { Dlt645Frame } from "./frame.ts";
import { decodeField, type Dlt645DateTime } from "./formats.ts";
import { decodeDi, encodeDi } from "./requests.ts";

/** PA P0..P2 C0..C3 as received. */
export interface ReceivedCredentials {
  /** The PA byte read as BCD (98 for 0x98), or the raw byte when not BCD. */
  readonly level: number;
  /** P0 P1 P2 exactly as on the wire (compare with encodePassword in the meter's order). */
  readonly passwordBytes: Uint8Array;
  /** C0..C3 as 8 digits, most significant first. */
  readonly operatorCode: string;
}

/** A request decoded on the meter's side. */
export type Dlt645Request =
  | {
      readonly kind: "read";
      readonly address: Dlt645Address;
      readonly di: number;
      readonly extra: Uint8Array;
    }
  | {
      readonly kind: "read-follow-up";
      readonly address: Dlt645Address;
      readonly di: number;
      readonly sequence: number;
    }
  | { readonly kind: "read-address"; readonly address: Dlt645Address }
  | { readonly kind: "broadcast-time"; readonly address: Dlt645Address; readonly time: Dlt645DateTime }
  | ({
      readonly kind: "write";
      readonly address: Dlt645Address;
      readonly di: number;
      readonly value: Uint8Array;
    } & ReceivedCredentials)
  | ({
      readonly kind: "relay-control";
      readonly address: Dlt645Address;
      /** N1..N8 for plaintext levels; for level 98 the opaque ciphertext + MAC. */
      readonly body: Uint8Array;
    } & ReceivedCredentials)
  | {
      readonly kind: "malformed";
      readonly address: Dlt645Address;
      readonly func: number;
      readonly reason: string;
    }
  | { readonly kind: "unsupported"; readonly address: Dlt645Address; readonly func: number };

function credentials(data: Uint8Array, at: number): ReceivedCredentials {
  const pa = data[at] ?? 0;
  return {
    level: fromBcdByte(pa) ?? pa,
    passwordBytes: data.slice(at + 1, at + 4),
    operatorCode: lowFirstToDigits(data.subarray(at + 4, at + 8)),
  };
}

/** Decodes a master's request frame. Replies (D7 set) come back as `unsupported`. */
export function parseRequest(frame: Dlt645Frame): Dlt645Request {
  const { address, data } = frame;
  const func = frame.control;
  const malformed = (reason: string): Dlt645Request => ({ kind: "malformed", address, func, reason });
  switch (func) {
    case FunctionCode.read:
      return data.length < 4
        ? malformed("read without a DI")
        : { kind: "read", address, di: decodeDi(data), extra: data.slice(4) };
    case FunctionCode.readFollowUp:
      return data.length !== 5
        ? malformed("follow-up needs DI + sequence")
        : { kind: "read-follow-up", address, di: decodeDi(data), sequence: data[4] ?? 0 };
    case FunctionCode.readAddress:
      return { kind: "read-address", address };
    case FunctionCode.broadcastTime:
      if (data.length !== 6) return malformed("broadcast time needs 6 bytes");
      try {
        return {
          kind: "broadcast-time",
          address,
          time: decodeField({ kind: "datetime", layout: "YYMMDDhhmmss" }, data) as Dlt645DateTime,
        };
      } catch {
        return malformed("broadcast time not BCD");
      }
    case FunctionCode.write:
      return data.length < 12
        ? malformed("write needs DI + credentials")
        : { kind: "write", address, di: decodeDi(data), value: data.slice(12), ...credentials(data, 4) };
    case FunctionCode.relayControl:
      return data.length < 9
        ? malformed("relay control needs credentials and a command")
        : { kind: "relay-control", address, body: data.slice(8), ...credentials(data, 0) };
    default:
      return { kind: "unsupported", address, func };
  }
}

/**
 * A read reply: 0x91 (or 0xB1 with `more`) carrying DI + payload. With `sequence` it is the reply to a
 * follow-up: 0x92/0xB2 with the sequence byte echoed after the payload (clause 7.2.3).
 */
export function readReplyFrame(
  address: Dlt645Address,
  di: number,
  payload: Uint8Array,
  options: { readonly more?: boolean; readonly sequence?: number } = {},
): Dlt645Frame {
  const followUp = options.sequence !== undefined;
  const data = new Uint8Array(4 + payload.length + (followUp ? 1 : 0));
  data.set(encodeDi(di), 0);
  data.set(payload, 4);
  if (followUp) data[data.length - 1] = options.sequence ?? 0;
  const func = followUp ? FunctionCode.readFollowUp : FunctionCode.read;
  return {
    address,
    control: composeControl({ func, fromMeter: true, error: false, more: options.more ?? false }),
    data,
  };
}

/** An error reply (D7 + D6 + the function) with one error byte. */
export function errorReplyFrame(address: Dlt645Address, func: number, errorByte: number): Dlt645Frame {
  return {
    address,
    control: composeControl({ func, fromMeter: true, error: true, more: false }),
    data: Uint8Array.of(errorByte & 0xff),
  };
}

/** The 0x93 reply: the address in the header and again in the data. */
export function readAddressReplyFrame(address: Dlt645Address): Dlt645Frame {
  return { address, control: ReplyControl.readAddress, data: encodeAddress(address) };
}

/** The empty acknowledgement of a write (0x94) or relay command (0x9C). */
export function ackReplyFrame(
  address: Dlt645Address,
  func: typeof FunctionCode.write | typeof FunctionCode.relayControl,
): Dlt645Frame {
  return {
    address,
    control: composeControl({ func, fromMeter: true, error: false, more: false }),
    data: new Uint8Array(0),
  };
}
