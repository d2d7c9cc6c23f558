/**
 * Turns the registers of a profile's read blocks into quantity values. Energy and the serial number
 * become integers here (energy in Wh), so nothing downstream handles float kWh.
 */
import { decodeRegistersAt } from "../modbus/registers.ts";
import { integerQuantities, type QuantityName } from "./quantities.ts";
import type { ReadBlock, ResolvedQuantity } from "./resolve.ts";

export type QuantityValues = Partial<Record<QuantityName, number>>;

/** Decodes one quantity from the registers of the block that contains it. */
export function decodeQuantity(block: ReadBlock, registers: readonly number[], q: ResolvedQuantity): number {
  const raw = decodeRegistersAt(registers, q.address - block.address, q);
  const value = raw * q.scale;
  return integerQuantities.has(q.name) ? Math.round(value) : value;
}

/**
 * Decodes every quantity of a block. Non-finite values (a float32 NaN from a meter mid-reset) are left
 * out rather than passed on as numbers.
 */
export function decodeBlock(
  block: ReadBlock,
  registers: readonly number[],
  into: QuantityValues = {},
): QuantityValues {
  if (registers.length < block.count) {
    throw new RangeError(`block at ${block.address} needs ${block.count} registers, got ${registers.length}`);
  }
  for (const q of block.quantities) {
    const value = decodeQuantity(block, registers, q);
    if (Number.isFinite(value)) into[q.name] = value;
  }
  return into;
}
