/**
 * Example `billing` bodies of the account lifecycle (issue 16) for docs/mqtt.md section 3.4, appended to
 * billing-examples.ts and checked against the stream's schema like the others. One per new kind (the
 * doc shows one record per kind); an adjustment's `operator` and `source` and a charge's CT/PT fields
 * are described in docs/mqtt.md 6.7.
 */
import type { BillingBody } from "../records.ts";

const account = { accountId: "A-101" };

/** A refund and an account record. */
export const lifecycleBillingExamples: ReadonlyArray<{ readonly note: string; readonly body: BillingBody }> =
  [
    {
      note: "a refund (退费): `amountFen` returned to the customer, `balance` right after; a redelivery is `duplicate`, a refusal carries `refusal`",
      body: {
        kind: "refund",
        status: "applied",
        ...account,
        refundSeq: 1,
        amountFen: 4000,
        balance: "108.17095",
        reason: "customer moved out",
        source: "uplink",
      },
    },
    {
      note: "an account opened (`status: opened`: customer number, meter, opening balance) or, as here, closed by `account.close`: the final reading's energy and cost, the final balance the platform settles, and what was done with the supply",
      body: {
        kind: "account",
        status: "closed",
        ...account,
        customerNo: "110105-0042",
        meterId: "M-7",
        balance: "107.9068",
        energyWh: 500,
        amount: "0.26415",
        supply: "leave",
        reason: "customer moved out",
      },
    },
  ];
