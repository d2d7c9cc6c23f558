/**
 * Example `billing` bodies of the account lifecycle (issue 16) for docs/mqtt.md section 3.4, appended to
 * billing-examples.ts and checked against the stream's schema like the others.
 */
import type { BillingBody } from "../records.ts";

const account = { accountId: "A-101" };

/** Lifecycle examples: account opened and closed, adjustment by an operator, refund, a CT/PT charge. */
export const lifecycleBillingExamples: ReadonlyArray<{ readonly note: string; readonly body: BillingBody }> =
  [
    {
      note: "`account.open`: the account, its customer number and meter, and its opening balance (posted just before as an `adjustment`)",
      body: {
        kind: "account",
        status: "opened",
        ...account,
        customerNo: "110105-0042",
        meterId: "M-7",
        balance: "100",
      },
    },
    {
      note: "an `adjustment` command: signed `amount`, with the operator who made it and where it came from",
      body: {
        kind: "adjustment",
        ...account,
        amount: "-3.20",
        balance: "144.97095",
        reason: "meter test energy billed in error",
        operator: "li.wei",
        source: "uplink",
      },
    },
    {
      note: "a refund (退费): `amountFen` returned to the customer, `balance` right after; a redelivery is `duplicate`, a refusal carries `refusal`",
      body: {
        kind: "refund",
        status: "applied",
        ...account,
        refundSeq: 1,
        amountFen: 4000,
        balance: "104.97095",
        reason: "customer moved out",
        source: "uplink",
      },
    },
    {
      note: "a charge of a meter behind transformers (ctRatio 40, ptRatio 100): `energyWh` is charged, `rawEnergyWh` is what the register moved",
      body: {
        kind: "charge",
        ...account,
        meterId: "M-9",
        readingId: 88200,
        energyWh: 40_000,
        amount: "21.132",
        balance: "83.83895",
        parts: [{ energyWh: 40_000, price: "0.5283", period: "flat", tier: 0, amount: "21.132" }],
        rawEnergyWh: 10,
        ctRatio: 40,
        ptRatio: 100,
      },
    },
    {
      note: "`account.close`: the final reading's energy and cost, the final balance the platform settles, and what was done with the supply",
      body: {
        kind: "account",
        status: "closed",
        ...account,
        customerNo: "110105-0042",
        meterId: "M-7",
        balance: "83.57480",
        energyWh: 500,
        amount: "0.26415",
        supply: "leave",
        reason: "customer moved out",
      },
    },
  ];
