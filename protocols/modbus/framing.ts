/**
 * Framers: turn a byte stream into whole frames (STYLE.md principle 2). They buffer partial chunks and
 * resynchronise after garbage, so a frame split across two reads or preceded by line noise still parses.
 */
import { hasValidCrc } from "./crc.ts";

/** Upper bound of an RTU frame: 1 unit + 253 PDU + 2 CRC (Modbus over Serial Line v1.02, 2.5.1.1). */
export const maxRtuFrameBytes = 256;

/**
 * Expected total length of an RTU request frame from its first bytes, or `undefined` while more bytes are
 * needed, or `null` for a function code whose length the slave cannot know (answered on line silence).
 */
function rtuRequestLength(buffer: Uint8Array, at: number): number | undefined | null {
  const fc = buffer[at + 1];
  if (fc === undefined) return undefined;
  switch (fc) {
    case 0x01:
    case 0x02:
    case 0x03:
    case 0x04:
    case 0x05:
    case 0x06:
      return 8;
    case 0x0f:
    case 0x10: {
      const byteCount = buffer[at + 6];
      return byteCount === undefined ? undefined : 9 + byteCount;
    }
    default:
      return null;
  }
}

export interface RtuFrameEvents {
  /** A complete frame with a valid CRC (unit id + PDU, CRC stripped). */
  frame(unit: number, pdu: Uint8Array): void;
  /** Bytes that were dropped while resynchronising (noise, truncated or corrupt frames). */
  discarded?(bytes: Uint8Array, reason: "crc" | "garbage" | "silence"): void;
}

/**
 * Slave-side RTU request framer. Feed it chunks as they arrive; call {@link RtuRequestFramer.silence}
 * when the line has been quiet for t3.5, which ends any partial frame (RTU's end-of-frame rule).
 */
export class RtuRequestFramer {
  private buffer = new Uint8Array(0);

  constructor(private readonly events: RtuFrameEvents) {}

  push(chunk: Uint8Array): void {
    const merged = new Uint8Array(this.buffer.length + chunk.length);
    merged.set(this.buffer);
    merged.set(chunk, this.buffer.length);
    this.buffer = merged;
    this.drain(false);
  }

  /** The line went quiet: whatever is buffered is a whole frame or garbage. */
  silence(): void {
    this.drain(true);
  }

  /** Bytes buffered and not yet framed. */
  get pending(): number {
    return this.buffer.length;
  }

  private drain(atSilence: boolean): void {
    let start = 0;
    while (start < this.buffer.length) {
      const length = rtuRequestLength(this.buffer, start);
      const available = this.buffer.length - start;
      if (length === undefined || (length !== null && available < length)) {
        if (!atSilence) break;
        this.discard(start, this.buffer.length, "silence");
        start = this.buffer.length;
        break;
      }
      if (length === null && !atSilence) {
        // Unknown function: either a frame whose end only silence tells, or noise in front of a good frame.
        const next = this.nextValidFrameStart(start + 1);
        if (next === undefined) break;
        this.discard(start, next, "garbage");
        start = next;
        continue;
      }
      const end = length === null ? this.buffer.length : start + length;
      const candidate = this.buffer.subarray(start, end);
      if (candidate.length >= 4 && hasValidCrc(candidate)) {
        this.events.frame(candidate[0]!, candidate.slice(1, candidate.length - 2));
        start = end;
      } else {
        // Resynchronise: drop one byte and look for a frame starting at the next one.
        this.discard(start, start + 1, length === null ? "garbage" : "crc");
        start += 1;
      }
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > maxRtuFrameBytes * 4) {
      this.discard(0, this.buffer.length, "garbage");
      this.buffer = new Uint8Array(0);
    }
  }

  /** The first offset at or after `from` where a whole known-length frame with a valid CRC starts. */
  private nextValidFrameStart(from: number): number | undefined {
    for (let at = from; at < this.buffer.length; at++) {
      const length = rtuRequestLength(this.buffer, at);
      if (typeof length !== "number" || at + length > this.buffer.length) continue;
      if (hasValidCrc(this.buffer.subarray(at, at + length))) return at;
    }
    return undefined;
  }

  private discard(from: number, to: number, reason: "crc" | "garbage" | "silence"): void {
    if (to > from) this.events.discarded?.(this.buffer.slice(from, to), reason);
  }
}

/** A Modbus TCP frame: MBAP header fields and the PDU (Modbus Messaging on TCP/IP v1.0b, 3.1.3). */
export interface MbapFrame {
  transactionId: number;
  unit: number;
  pdu: Uint8Array;
}

/** Nothing held back: one shared empty array, not a new one per chunk. */
const empty = new Uint8Array(0);

/**
 * Splits a TCP byte stream into MBAP frames. A frame with a non-zero protocol id is a stream error.
 * A frame's `pdu` is a view into the chunk it arrived in (no copy per reply: this runs for every
 * Modbus TCP reply); nothing here or in the socket writes to a chunk after it was pushed.
 */
export class MbapFramer {
  private buffer: Uint8Array = empty;

  constructor(
    private readonly onFrame: (frame: MbapFrame) => void,
    private readonly onError: (reason: string) => void = () => {},
  ) {}

  /**
   * Parses the first `length` bytes of `chunk` (default all) after what an earlier chunk left. Each
   * frame's PDU is a view into `chunk` (or into this framer's copy of a frame split across chunks):
   * valid during the onFrame call only, since a reader may reuse `chunk` for its next read.
   */
  push(chunk: Uint8Array, length = chunk.length): void {
    // Most reads hold whole frames: parse the chunk itself unless a partial frame waits in front of it.
    let data = chunk;
    let end = length;
    if (this.buffer.length > 0) {
      data = new Uint8Array(this.buffer.length + length);
      data.set(this.buffer);
      data.set(chunk.subarray(0, length), this.buffer.length);
      end = data.length;
    }
    let start = 0;
    while (end - start >= 7) {
      const protocolId = (data[start + 2]! << 8) | data[start + 3]!;
      const length = (data[start + 4]! << 8) | data[start + 5]!;
      if (protocolId !== 0 || length < 2 || length > 254) {
        this.onError(`bad MBAP header (protocol ${protocolId}, length ${length})`);
        start = end;
        break;
      }
      if (end - start < 6 + length) break;
      this.onFrame({
        transactionId: (data[start]! << 8) | data[start + 1]!,
        unit: data[start + 6]!,
        pdu: data.subarray(start + 7, start + 6 + length),
      });
      start += 6 + length;
    }
    // A copy (a Buffer's slice() would be a view): the reader may reuse `chunk` for its next read.
    this.buffer = start === end ? empty : copyOf(data.subarray(start, end));
  }

  /**
   * The transaction id of a frame begun and not yet complete (its header at least arrived), if any:
   * a request that times out with part of its reply here was answered short, not ignored.
   */
  get partialTransactionId(): number | undefined {
    if (this.buffer.length < 2) return undefined;
    return (this.buffer[0]! << 8) | this.buffer[1]!;
  }
}

/** A copy of `bytes` in memory of its own. */
function copyOf(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/**
 * Writes the 7-byte MBAP header of a frame whose PDU is `pduLength` bytes into `out` at `at`
 * (transaction id, protocol id 0 for Modbus, the length of what follows: unit id and PDU; the unit id).
 */
export function writeMbapHeader(
  out: Uint8Array,
  at: number,
  transactionId: number,
  unit: number,
  pduLength: number,
): void {
  out[at] = (transactionId >> 8) & 0xff;
  out[at + 1] = transactionId & 0xff;
  out[at + 2] = 0;
  out[at + 3] = 0;
  out[at + 4] = ((pduLength + 1) >> 8) & 0xff;
  out[at + 5] = (pduLength + 1) & 0xff;
  out[at + 6] = unit;
}

/** Encodes an MBAP frame. */
export function encodeMbap(transactionId: number, unit: number, pdu: Uint8Array): Uint8Array {
  const out = new Uint8Array(7 + pdu.length);
  writeMbapHeader(out, 0, transactionId, unit, pdu.length);
  out.set(pdu, 7);
  return out;
}
