/**
 * Line noise for the `garbage` fault: seeded bytes that a master can only classify as noise. They never
 * contain the addressed unit id (a master would try to frame a reply from there) and no prefix of them
 * carries a valid CRC (it would look like a frame from another unit: a different fault).
 */
import { hasValidCrc } from "../../protocols/modbus/crc.ts";
import type { Random } from "../core/prng.ts";

/**
 * @param count bytes of noise, 1..64
 * @param unit the unit id the master is waiting for
 */
export function noiseBytes(random: Random, count: number, unit: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let byte = Math.floor(random() * 256);
    // 0 is excluded too: a leading 0 reads as a broadcast echo in some masters.
    while (byte === unit || byte === 0) byte = Math.floor(random() * 256);
    out[i] = byte;
  }
  // The next byte value in 1..255 that is not the unit id.
  const bump = (byte: number): number => {
    const next = (byte % 255) + 1;
    return next === unit ? (next % 255) + 1 : next;
  };
  for (let end = 4; end <= count; end++) {
    // Only one value of a prefix's last byte completes a valid CRC, so one bump always breaks it.
    while (hasValidCrc(out.subarray(0, end))) out[end - 1] = bump(out[end - 1]!);
  }
  return out;
}
