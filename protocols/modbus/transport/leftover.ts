/**
 * Classifies the bytes that arrived before a timeout, so a truncated reply, a reply from another unit
 * and line noise are counted apart from plain silence (each is a different field problem: a dying
 * transceiver, a duplicate unit id, a missing terminator).
 */
import { hasValidCrc } from "../crc.ts";

export type Leftover = "none" | "short" | "wrong-unit" | "garbage";

export function classifyLeftover(bytes: Uint8Array, unit: number): Leftover {
  if (bytes.length === 0) return "none";
  if (bytes[0] === unit) return "short";
  // A well-formed frame (valid CRC) from some other unit id: two meters share an address, or a
  // converter answers for the wrong one.
  for (let end = 5; end <= bytes.length; end++) {
    if (bytes[0] !== 0 && hasValidCrc(bytes.subarray(0, end))) return "wrong-unit";
  }
  return "garbage";
}
