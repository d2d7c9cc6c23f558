/**
 * One example `billing` body per kind, for docs/mqtt.md section 3.4. Each is checked against the
 * stream's zod schema when the docs are generated (`npm run schemas`), so an example that no longer
 * matches the records the gateway writes fails the generator and `schemas:check` instead of misleading
 * an integrator. Figures are consistent with each other: one account, A-101, over one day.
 */
import type { BillingBody } from "../records.ts";
import { billingBodySchema } from "../records.ts";
import { lifecycleBillingExamples } from "./billing-examples-lifecycle.ts";

interface BillingExample {
  readonly note: string;
  readonly body: BillingBody;
}

const account = { accountId: "A-101" };

/** Every billing kind with one example body; `note` says how to read its money fields. */
export const billingExamples: readonly BillingExample[] = [
  {
    note: "the opening balance from the config file arrives as an `adjustment` (`amount` signed: added to the balance)",
    body: {
      kind: "adjustment",
      ...account,
      amount: "100.00",
      balance: "100.00",
      reason: "opening balance from config",
    },
  },
  {
    note: "a reading charged: `amount` is the cost (positive, subtracted from the balance); `tier` is 0 for an untiered tariff",
    body: {
      kind: "charge",
      ...account,
      meterId: "M-7",
      readingId: 88123,
      energyWh: 1500,
      amount: "0.77245",
      balance: "99.22755",
      parts: [
        { energyWh: 1000, price: "0.5283", period: "peak", tier: 0, amount: "0.5283" },
        { energyWh: 500, price: "0.4883", period: "flat", tier: 0, amount: "0.24415" },
      ],
    },
  },
  {
    note: "a top-up: `amountFen` in fen, `balance` in yuan right after it",
    body: {
      kind: "topup",
      status: "applied",
      ...account,
      purchaseSeq: 7,
      paymentRef: "PAY-42",
      amountFen: 5000,
      balance: "149.22755",
      source: "uplink",
    },
  },
  {
    note: "a held energy jump resolved by `anomaly.resolve`: `amount` is the cost (positive), `0` when waived",
    body: {
      kind: "anomaly",
      status: "charged",
      anomalyId: 3,
      ...account,
      meterId: "M-7",
      energyWh: 2000,
      amount: "1.0566",
      balance: "148.17095",
      reason: "verified on site",
    },
  },
  {
    note: "a balance snapshot with the account's money state",
    body: { kind: "balance", ...account, balance: "148.17095", moneyState: "normal" },
  },
  {
    note: "the daily freeze of one meter: `period` is the local day, `amount` the day's cost (positive)",
    body: {
      kind: "daily",
      period: "2026-01-05",
      ...account,
      meterId: "M-7",
      energyWh: 3500,
      fromMs: 1_767_542_370_000,
      toMs: 1_767_628_770_000,
      amount: "1.82905",
      closingBalance: "148.17095",
      closingEnergyWh: 1237567,
    },
  },
  {
    note: "the monthly freeze: `period` is the local month",
    body: {
      kind: "monthly",
      period: "2026-01",
      ...account,
      meterId: "M-7",
      energyWh: 98_200,
      fromMs: 1_767_196_770_000,
      toMs: 1_769_875_170_000,
      amount: "51.88006",
      closingBalance: "148.17095",
      closingEnergyWh: 1237567,
    },
  },
  ...lifecycleBillingExamples,
];

/** The examples, each checked against the billing schema. @throws Error naming the first invalid one. */
export function checkedBillingExamples(): readonly BillingExample[] {
  for (const { body } of billingExamples) {
    const parsed = billingBodySchema.safeParse(body);
    if (!parsed.success) throw new Error(`billing example ${body.kind} is invalid: ${parsed.error.message}`);
  }
  return billingExamples;
}
