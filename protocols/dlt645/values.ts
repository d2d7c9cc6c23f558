/**
 * A DI's data as values: every field of a block decoded (or encoded) with the table's format, and the
 * bits of status word 3 by name.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { formatDi, type DataIdEntry } from "./data-ids.ts";
import { decodeField, encodeField, formatBytes, type FieldValue } from "./formats.ts";

/** Bytes a DI's reply payload carries (fields x field size). */
export function payloadBytes(entry: DataIdEntry): number {
  return entry.count * formatBytes(entry.format);
}

/**
 * Decodes a read reply's payload (after the DI) into `entry.count` values, in the standard's order
 * (for an energy block: total, tariff 1..4). Throws GatewayError BAD_REPLY for a wrong length or non-BCD.
 */
export function decodeDataValues(entry: DataIdEntry, payload: Uint8Array): FieldValue[] {
  const size = formatBytes(entry.format);
  if (payload.length !== entry.count * size) {
    throw new GatewayError(
      ErrorCode.BadReply,
      `DI ${formatDi(entry.di)} carries ${entry.count * size} bytes, got ${payload.length}`,
      { di: formatDi(entry.di) },
    );
  }
  const values: FieldValue[] = [];
  for (let i = 0; i < entry.count; i++)
    values.push(decodeField(entry.format, payload.subarray(i * size, (i + 1) * size)));
  return values;
}

/** Encodes `entry.count` values into a reply payload (the simulator's side). */
export function encodeDataValues(entry: DataIdEntry, values: readonly FieldValue[]): Uint8Array {
  if (values.length !== entry.count)
    throw new RangeError(`DI ${formatDi(entry.di)} needs ${entry.count} values`);
  const size = formatBytes(entry.format);
  const out = new Uint8Array(entry.count * size);
  values.forEach((value, i) => out.set(encodeField(entry.format, value), i * size));
  return out;
}

/**
 * Status word 3 (04000503, operating status), bits as State Grid meters set them: the 2007 table
 * defines bit 4; bits 6, 7 and 12 are the cost-control extension (DOMAIN.md section 5).
 */
export interface StatusWord3 {
  /** Bit 4: the relay is actually open. */
  readonly relayOpen: boolean;
  /** Bit 6: an open (trip) command is in force. */
  readonly openCommanded: boolean;
  /** Bit 7: the pre-trip alarm is on. */
  readonly alarmOn: boolean;
  /** Bit 12: keep-power (保电) is on. */
  readonly keepPower: boolean;
}

const bits = { relayOpen: 4, openCommanded: 6, alarmOn: 7, keepPower: 12 } as const;

/** Reads the named bits of status word 3 (other bits ignored). */
export function decodeStatusWord3(word: number): StatusWord3 {
  return {
    relayOpen: (word & (1 << bits.relayOpen)) !== 0,
    openCommanded: (word & (1 << bits.openCommanded)) !== 0,
    alarmOn: (word & (1 << bits.alarmOn)) !== 0,
    keepPower: (word & (1 << bits.keepPower)) !== 0,
  };
}

/** Sets the named bits of status word 3 into `base` (other bits kept). */
export function encodeStatusWord3(status: StatusWord3, base = 0): number {
  let word = base;
  for (const [name, bit] of Object.entries(bits) as [keyof StatusWord3, number][]) {
    word = status[name] ? word | (1 << bit) : word & ~(1 << bit);
  }
  return word & 0xffff;
}
