/**
 * Integer proportional allocation: splits a whole number of Wh over time segments so that the parts sum
 * exactly to the total. Uses BigInt because Wh x milliseconds can exceed 2^53.
 */
import { assertSafeInteger } from "./money.ts";

/**
 * Splits `total` into parts proportional to `weights` by the largest-remainder method: each part gets the
 * floor of its exact share, then the units left over go one each to the largest remainders, ties to the
 * earliest part. Deterministic, and the parts always sum to `total`.
 * @param total non-negative safe integer (Wh)
 * @param weights non-negative safe integers (ms); if all are zero the whole total goes to the first part
 */
export function allocateProportionally(total: number, weights: readonly number[]): number[] {
  assertSafeInteger(total, "total");
  if (total < 0) throw new RangeError(`Cannot allocate a negative total ${total}`);
  if (weights.length === 0) {
    if (total === 0) return [];
    throw new RangeError("Cannot allocate a non-zero total over no weights");
  }
  for (const weight of weights) {
    assertSafeInteger(weight, "weight");
    if (weight < 0) throw new RangeError(`Weight ${weight} is negative`);
  }
  const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (sum === 0n) return weights.map((_, i) => (i === 0 ? total : 0));
  const bigTotal = BigInt(total);
  const shares = weights.map((weight, index) => {
    const exact = bigTotal * BigInt(weight);
    return { index, floor: exact / sum, remainder: exact % sum };
  });
  let leftover = bigTotal - shares.reduce((a, s) => a + s.floor, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1,
  );
  const result = shares.map((s) => s.floor);
  // leftover < number of parts with a non-zero remainder, so one pass is enough.
  for (const share of byRemainder) {
    if (leftover === 0n) break;
    result[share.index] = (result[share.index] ?? 0n) + 1n;
    leftover -= 1n;
  }
  return result.map(Number);
}
