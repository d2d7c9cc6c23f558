/**
 * Customer balances rebuilt from the `billing` stream alone, with the sign of each kind as docs/mqtt.md
 * section 3.4 ("Signs and conventions") states it:
 * - `adjustment`: `amount` is signed and added (the opening balance from the config arrives as one);
 * - `topup`: `amountFen` is added when `status` is `applied`; `duplicate` and `refused` add nothing;
 * - `charge`: `amount` is the cost, positive, subtracted;
 * - `anomaly`: `amount` is subtracted when `status` is `charged` (it is "0" when `waived`);
 * - `balance`, `daily`, `monthly` and kinds this consumer does not know: no change.
 * Each record also states the balance right after it (`balance`, or `closingBalance` for a freeze);
 * replayed in seq order, the rebuilt balance must equal it at every record: that is how this consumer
 * checks that it applied nothing twice and missed nothing, without trusting the gateway's figures.
 */
import { e7ToYuan, fenToE7, yuanToE7 } from "./money.ts";

/** A billing record as received (only the fields read here). */
export interface BillingRecord {
  readonly gatewayId: string;
  readonly epoch: string;
  readonly seq: number;
  readonly body: { readonly kind: string; readonly [field: string]: unknown };
}

/** How a billing body moves its account's balance, 1e-7 yuan (0n: it does not). */
export function balanceDelta(body: BillingRecord["body"]): bigint {
  switch (body.kind) {
    case "adjustment":
      return yuanToE7(body["amount"] as string);
    case "topup":
      return body["status"] === "applied" ? fenToE7(body["amountFen"] as number) : 0n;
    case "charge":
      return -yuanToE7(body["amount"] as string);
    case "anomaly":
      return body["status"] === "charged" ? -yuanToE7(body["amount"] as string) : 0n;
    default:
      return 0n;
  }
}

/** The balance a record states right after it, if it states one. */
function statedBalance(body: BillingRecord["body"]): string | undefined {
  const stated = body["balance"] ?? body["closingBalance"];
  return typeof stated === "string" ? stated : undefined;
}

export class Ledger {
  private readonly records: BillingRecord[] = [];

  /** Adds a new (deduplicated) billing record, in any order. */
  add(record: BillingRecord): void {
    this.records.push(record);
  }

  /** Balances of one gateway's epoch, account -> 1e-7 yuan, from every record received. */
  balances(gatewayId: string, epoch = ""): Map<string, bigint> {
    const balances = new Map<string, bigint>();
    for (const { body } of this.lane(gatewayId, epoch)) {
      const accountId = body["accountId"];
      if (typeof accountId !== "string") continue;
      balances.set(accountId, (balances.get(accountId) ?? 0n) + balanceDelta(body));
    }
    return balances;
  }

  /**
   * Replays the epoch in seq order and lists every record whose stated balance differs from the rebuilt
   * one. Meaningful once the epoch has no gap.
   */
  mismatches(gatewayId: string, epoch = ""): string[] {
    const running = new Map<string, bigint>();
    const problems: string[] = [];
    for (const { seq, body } of [...this.lane(gatewayId, epoch)].sort((a, b) => a.seq - b.seq)) {
      const accountId = body["accountId"];
      if (typeof accountId !== "string") continue;
      const balance = (running.get(accountId) ?? 0n) + balanceDelta(body);
      running.set(accountId, balance);
      const stated = statedBalance(body);
      if (stated !== undefined && yuanToE7(stated) !== balance)
        problems.push(
          `billing seq ${seq} (${body.kind}, ${accountId}) states ${stated}, rebuilt ${e7ToYuan(balance)}`,
        );
    }
    return problems;
  }

  /** Records received per kind (for the report). */
  kinds(): Map<string, number> {
    const kinds = new Map<string, number>();
    for (const { body } of this.records) kinds.set(body.kind, (kinds.get(body.kind) ?? 0) + 1);
    return kinds;
  }

  private lane(gatewayId: string, epoch: string): BillingRecord[] {
    return this.records.filter((r) => r.gatewayId === gatewayId && r.epoch === epoch);
  }
}
