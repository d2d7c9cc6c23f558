/**
 * The platform's side of prepaid purchases (docs/mqtt.md section 6.3, `request/topup`): one purchase
 * count per account, each purchase the account's last applied + 1, resent with the same transaction
 * until the gateway answers (a transaction is never executed twice, section 6.6).
 */
import { randomUUID } from "node:crypto";
import type { BillingConsumer } from "./consumer.ts";

/** A purchase the gateway confirmed (`applied`, or `duplicate` of the applied one). */
export interface Purchase {
  readonly account: string;
  readonly purchaseSeq: number;
  readonly amountFen: number;
  readonly paymentRef: string;
}

export class PurchaseBook {
  readonly confirmed: Purchase[] = [];
  /** Resends after a missing answer (the gateway was down or the broker away). */
  resends = 0;
  private readonly last = new Map<string, number>();

  constructor(private readonly consumer: BillingConsumer) {}

  /**
   * The gateway's database was replaced (a new epoch, docs/mqtt.md 3.2): its purchase counts started
   * again at 0, so the next purchase of every account is 1 again.
   */
  restartCounts(): void {
    this.last.clear();
  }

  /**
   * Buys `amountFen` for `account` and resolves once the gateway confirmed it; throws on a refusal or
   * when no answer came within `giveUpMs`.
   */
  async buy(account: string, amountFen: number, giveUpMs: number): Promise<Purchase> {
    const purchaseSeq = (this.last.get(account) ?? 0) + 1;
    const purchase = { account, purchaseSeq, amountFen, paymentRef: `PAY-${account}-${purchaseSeq}` };
    const transaction = randomUUID();
    const deadline = Date.now() + giveUpMs;
    for (;;) {
      try {
        const response = await this.consumer.command(
          "topup",
          { ...purchase },
          { timeoutMs: 5000, transaction },
        );
        const status = response.result?.["status"];
        if (response.status !== "ok" || (status !== "applied" && status !== "duplicate"))
          throw new Error(
            `top-up ${account} #${purchaseSeq}: ${response.code ?? String(status)} ${response.message ?? ""}`,
          );
        this.last.set(account, purchaseSeq);
        this.confirmed.push(purchase);
        return purchase;
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith("no response")) || Date.now() > deadline)
          throw error;
        this.resends++;
      }
    }
  }
}
