/**
 * How the prepaid engine's integer money appears in billing records: decimal yuan strings (records.ts
 * of the uplink). The records themselves are written by the one outbox writer (uplink/outbox-writer.ts).
 */
import { formatMoneyE7, formatPriceE4, type ChargePart } from "../prepaid/index.ts";
import type { BillingBody } from "../uplink/records.ts";

/** 1e-7 yuan as a decimal yuan string. */
export const money = formatMoneyE7;

/** A charge's tariff parts as the billing record carries them. */
export function chargeParts(
  parts: readonly ChargePart[],
): Array<Extract<BillingBody, { kind: "charge" }>["parts"][number]> {
  return parts.map((p) => ({
    energyWh: p.wh,
    price: formatPriceE4(p.priceE4),
    period: p.period,
    tier: p.tier,
    amount: formatMoneyE7(p.amountE7),
  }));
}
