/**
 * A reading: what one poll of one meter produced. Energy is integer Wh; timestamps come in both
 * wall-clock (for people and billing periods) and monotonic (for deltas that survive clock jumps) form.
 */
import type { QuantityValues } from "../../protocols/profiles/decode.ts";
import type { MissingQuantity } from "./optional-blocks.ts";

/**
 * - `retried`: a transaction needed more than one attempt.
 * - `value-dropped`: a register held a non-finite value (NaN) and was left out.
 * - `clock-jump`: the wall clock moved differently from the monotonic clock since the previous reading.
 * - `quantity-missing`: the meter answered an optional quantity's read (the serial number on some
 *   SDM120 firmware) with an exception; that quantity is left out, the reading stands.
 */
export type QualityFlag = "retried" | "value-dropped" | "clock-jump" | "quantity-missing";

export interface Reading {
  meterId: string;
  busId: string;
  /** Modbus unit id, for a Modbus meter. */
  unit?: number;
  /** 12-digit DL/T 645 address, for a DL/T 645 meter. */
  address?: string;
  /** Wall-clock time the poll completed, epoch ms (whole ms from a poller). */
  wallMs: number;
  /** Monotonic time the poll completed, ms (whole ms from a poller). */
  monoMs: number;
  values: QuantityValues;
  /** Supply relay closed (supply on), when the profile has a relay. */
  relayClosed?: boolean;
  quality: QualityFlag[];
  /**
   * The optional quantities the meter answered with an exception (flag `quantity-missing`), each with
   * its request and error; absent when nothing is missing.
   */
  missing?: readonly MissingQuantity[];
  /** How long the poll held the bus, ms. */
  durationMs: number;
}

/**
 * Each flag's bit in a stored reading's `quality_flags` column. Stored values never change meaning:
 * add a new flag on a new bit.
 */
export const qualityFlagBits: Readonly<Record<QualityFlag, number>> = {
  retried: 1,
  "value-dropped": 2,
  "clock-jump": 4,
  "quantity-missing": 8,
};

/** The stored bitmask of a reading's flags (0 for a good reading). */
export function qualityMask(flags: readonly QualityFlag[]): number {
  return flags.reduce((mask, flag) => mask | qualityFlagBits[flag], 0);
}

/** The flags of a stored bitmask, in {@link qualityFlagBits} order; unknown bits are ignored. */
export function qualityFlagsOf(mask: number): QualityFlag[] {
  return (Object.keys(qualityFlagBits) as QualityFlag[]).filter((f) => (mask & qualityFlagBits[f]) !== 0);
}
