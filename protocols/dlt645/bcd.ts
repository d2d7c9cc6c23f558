/**
 * BCD helpers and meter addresses (DL/T 645-2007 clause 4.2: every numeric field is packed BCD, sent
 * low byte first). Pure functions over bytes.
 */

/** Packs 0..99 into one BCD byte (0x00..0x99). */
export function toBcdByte(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 99) {
    throw new RangeError(`BCD byte out of range: ${value}`);
  }
  return ((Math.floor(value / 10) << 4) | (value % 10)) & 0xff;
}

/** Unpacks one BCD byte to 0..99, or `undefined` when a nibble is not a decimal digit. */
export function fromBcdByte(byte: number): number | undefined {
  const high = byte >> 4;
  const low = byte & 0x0f;
  return high > 9 || low > 9 ? undefined : high * 10 + low;
}

/**
 * A digit string (most significant digit first, even length) as bytes low byte first, the order every
 * multi-byte DL/T 645 field uses on the wire. Accepts hex digits so wildcards (A) pass through.
 */
export function digitsToLowFirst(digits: string): Uint8Array {
  if (!/^(?:[0-9A-Fa-f]{2})+$/.test(digits)) throw new RangeError(`not an even digit string: "${digits}"`);
  const count = digits.length / 2;
  const bytes = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    bytes[count - 1 - i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16);
  }
  return bytes;
}

/** Bytes low byte first back to a digit string, most significant digit first (hex digits upper case). */
export function lowFirstToDigits(bytes: Uint8Array): string {
  let digits = "";
  for (let i = bytes.length - 1; i >= 0; i--) digits += (bytes[i] ?? 0).toString(16).padStart(2, "0");
  return digits.toUpperCase();
}

/** Meter address: exactly 12 characters, decimal digits or the wildcard nibble A (clause 4.2, 7.3). */
export type Dlt645Address = string;

/** The read-address wildcard: every meter answers (clause 7.3, one meter on the bus only). */
export const wildcardAddress: Dlt645Address = "AAAAAAAAAAAA";
/** The broadcast address used by broadcast time sync 0x08 (clause 7.1); meters never answer it. */
export const broadcastAddress: Dlt645Address = "999999999999";

/** True for 12 characters of decimal digits or A (the partial-wildcard form some meters accept). */
export function isAddress(text: string): boolean {
  return /^[0-9A]{12}$/.test(text);
}

/** The address's 6 wire bytes, low byte first. Throws a RangeError naming the address when malformed. */
export function encodeAddress(address: Dlt645Address): Uint8Array {
  if (!isAddress(address)) throw new RangeError(`DL/T 645 address must be 12 BCD digits: "${address}"`);
  return digitsToLowFirst(address);
}

/** The 12-character address from 6 wire bytes (non-BCD nibbles show as hex letters). */
export function decodeAddress(bytes: Uint8Array): Dlt645Address {
  return lowFirstToDigits(bytes);
}

/**
 * Whether a meter with `own` address must answer a frame sent to `target`: exact match, broadcast, or
 * a wildcard whose A nibbles match any digit (clause 7.3 read address; partial wildcards as deployed).
 */
export function addressMatches(own: Dlt645Address, target: Dlt645Address): boolean {
  if (target === broadcastAddress) return true;
  for (let i = 0; i < 12; i++) {
    const t = target[i];
    if (t !== "A" && t !== own[i]) return false;
  }
  return true;
}
