/**
 * A reading: what one poll of one meter produced. Energy is integer Wh; timestamps come in both
 * wall-clock (for people and billing periods) and monotonic (for deltas that survive clock jumps) form.
 */
import type { QuantityValues } from "../../protocols/profiles/decode.ts";

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
  unit: number;
  /** Wall-clock time the poll completed, epoch ms. */
  wallMs: number;
  /** Monotonic time the poll completed, ms. */
  monoMs: number;
  values: QuantityValues;
  /** Supply relay closed (supply on), when the profile has a relay. */
  relayClosed?: boolean;
  quality: QualityFlag[];
  /** How long the poll held the bus, ms. */
  durationMs: number;
}
