/**
 * Meters behind current and voltage transformers (DOMAIN.md section 2: the price is applied "times the
 * CT x PT ratio for transformer-connected meters"): the register counts secondary-side energy, the
 * customer used ctRatio x ptRatio times as much. Integers throughout, so the product is exact.
 */
import type { TransformerRatio } from "./settings.ts";

/** Energy to charge for a register delta `rawWh`: rawWh x ctRatio x ptRatio (rawWh when no ratio). */
export function primaryEnergyWh(rawWh: number, ratio: TransformerRatio | undefined): number {
  if (ratio === undefined) return rawWh;
  const wh = rawWh * ratio.ctRatio * ratio.ptRatio;
  // 2^53 Wh is 9 billion MWh: only a corrupt register gets here, and it must not be charged inexactly.
  if (!Number.isSafeInteger(wh))
    throw new RangeError(`energy ${rawWh} Wh x ${ratio.ctRatio} x ${ratio.ptRatio} is not exact`);
  return wh;
}
