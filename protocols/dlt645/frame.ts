/**
 * One DL/T 645-2007 frame (clause 4.3): `FE.. 68 A0..A5 68 C L DATA CS 16`. The address goes low byte
 * first, data bytes are sent +0x33 and received -0x33 (clause 4.3.5), CS is the sum mod 256 of every
 * byte from the first 68 through the data (clause 4.3.7). Frames here carry unmasked data.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { decodeAddress, encodeAddress, type Dlt645Address } from "./bcd.ts";

/** Start delimiter, twice per frame (clause 4.3.1). */
export const frameStart = 0x68;
/** End delimiter (clause 4.3.8). */
export const frameEnd = 0x16;
/** Wake-up byte sent before a frame, 0..4 of them (clause 5). */
export const wakeUpByte = 0xfe;
/** Bytes of a frame around its data: 68 + 6 address + 68 + C + L + CS + 16. */
export const frameOverheadBytes = 12;
/** The L byte's ceiling; clause 4.3.4 caps reads at 200 and writes at 50, which meters enforce. */
export const maxDataBytes = 255;

/** A frame with its data unmasked (the -0x33 already undone). */
export interface Dlt645Frame {
  /** 12 characters, most significant digit first, as printed on the nameplate. */
  readonly address: Dlt645Address;
  /** The control byte 0x00..0xFF (see control.ts). */
  readonly control: number;
  /** Unmasked data, 0..255 bytes. */
  readonly data: Uint8Array;
}

/** Adds 0x33 to every byte mod 256 (clause 4.3.5, sending). */
export function maskData(data: Uint8Array): Uint8Array {
  return data.map((b) => (b + 0x33) & 0xff);
}

/** Subtracts 0x33 from every byte mod 256 (clause 4.3.5, receiving). */
export function unmaskData(data: Uint8Array): Uint8Array {
  return data.map((b) => (b - 0x33) & 0xff);
}

/** Sum mod 256 of `bytes[from..to)`. */
export function checksum(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += bytes[i] ?? 0;
  return sum & 0xff;
}

/** Encoding options. */
export interface EncodeOptions {
  /** FE wake-up bytes in front, 0..4, default 4 (what masters and most meters send). */
  readonly wakeUpBytes?: number;
}

/** Encodes a frame: wake-up bytes, delimiters, address low byte first, masked data, checksum. */
export function encodeFrame(frame: Dlt645Frame, options: EncodeOptions = {}): Uint8Array {
  const wakeUp = options.wakeUpBytes ?? 4;
  if (!Number.isInteger(wakeUp) || wakeUp < 0 || wakeUp > 4)
    throw new RangeError(`wake-up bytes 0..4: ${wakeUp}`);
  if (frame.data.length > maxDataBytes)
    throw new RangeError(`DL/T 645 data too long: ${frame.data.length} bytes`);
  const out = new Uint8Array(wakeUp + frameOverheadBytes + frame.data.length);
  out.fill(wakeUpByte, 0, wakeUp);
  const at = wakeUp;
  out[at] = frameStart;
  out.set(encodeAddress(frame.address), at + 1);
  out[at + 7] = frameStart;
  out[at + 8] = frame.control & 0xff;
  out[at + 9] = frame.data.length;
  out.set(maskData(frame.data), at + 10);
  const csAt = at + 10 + frame.data.length;
  out[csAt] = checksum(out, at, csAt);
  out[csAt + 1] = frameEnd;
  return out;
}

/** Why bytes at a 68 are not a frame. */
export type FrameDefect = "no-second-start" | "checksum" | "no-end";

/** The outcome of looking for a frame at a given 68. */
export type FrameParse =
  | {
      readonly kind: "frame";
      readonly frame: Dlt645Frame;
      /** Index just past the 16. */ readonly end: number;
    }
  | { readonly kind: "incomplete" }
  | { readonly kind: "invalid"; readonly defect: FrameDefect };

/**
 * Parses the frame whose first 68 is at `start`, sized by its L byte (never by searching for 16:
 * masked data and addresses contain 16 and 68 often).
 */
export function parseFrameAt(bytes: Uint8Array, start: number): FrameParse {
  if (bytes.length - start < 10) {
    const second = bytes[start + 7];
    return second !== undefined && second !== frameStart
      ? { kind: "invalid", defect: "no-second-start" }
      : { kind: "incomplete" };
  }
  if (bytes[start + 7] !== frameStart) return { kind: "invalid", defect: "no-second-start" };
  const length = bytes[start + 9] ?? 0;
  const csAt = start + 10 + length;
  if (bytes.length < csAt + 2) return { kind: "incomplete" };
  if (bytes[csAt] !== checksum(bytes, start, csAt)) return { kind: "invalid", defect: "checksum" };
  if (bytes[csAt + 1] !== frameEnd) return { kind: "invalid", defect: "no-end" };
  const frame: Dlt645Frame = {
    address: decodeAddress(bytes.subarray(start + 1, start + 7)),
    control: bytes[start + 8] ?? 0,
    data: unmaskData(bytes.subarray(start + 10, csAt)),
  };
  return { kind: "frame", frame, end: csAt + 2 };
}

/**
 * Decodes exactly one frame from a complete reply (leading FE bytes allowed, nothing else). Throws a
 * GatewayError: CRC_ERROR for a bad checksum, SHORT_REPLY when truncated, BAD_REPLY otherwise.
 */
export function decodeFrame(bytes: Uint8Array): Dlt645Frame {
  let start = 0;
  while (bytes[start] === wakeUpByte) start++;
  const hex = Buffer.from(bytes).toString("hex");
  if (bytes[start] !== frameStart)
    throw new GatewayError(ErrorCode.BadReply, "DL/T 645 frame does not start with 68", { hex });
  const parsed = parseFrameAt(bytes, start);
  switch (parsed.kind) {
    case "incomplete":
      throw new GatewayError(ErrorCode.ShortReply, "DL/T 645 frame is truncated", { hex });
    case "invalid":
      throw new GatewayError(
        parsed.defect === "checksum" ? ErrorCode.CrcError : ErrorCode.BadReply,
        `DL/T 645 frame rejected: ${parsed.defect}`,
        { hex },
      );
    case "frame":
      if (parsed.end !== bytes.length) {
        throw new GatewayError(ErrorCode.BadReply, "bytes after the DL/T 645 frame end", { hex });
      }
      return parsed.frame;
  }
}
