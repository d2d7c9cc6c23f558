/**
 * The gateway's own balances, read with the signed `config.get` (docs/mqtt.md section 6.3: `config.accounts[]`
 * with each account's `id` and current `balance`), compared with balances rebuilt from `billing`.
 */
import type { BillingConsumer } from "./consumer.ts";
import { e7ToYuan, yuanToE7 } from "./money.ts";

/** account -> balance, 1e-7 yuan, as the gateway reports it now. */
export async function gatewayBalances(
  consumer: BillingConsumer,
  timeoutMs: number,
): Promise<Map<string, bigint>> {
  const response = await consumer.command("config.get", {}, { timeoutMs });
  if (response.status !== "ok")
    throw new Error(`config.get refused: ${response.code ?? ""} ${response.message ?? ""}`);
  const config = response.result?.["config"] as { accounts?: Array<{ id: string; balance: string }> };
  return new Map((config.accounts ?? []).map((a) => [a.id, yuanToE7(a.balance)]));
}

/** Each account whose rebuilt balance differs from the gateway's (also one that only one side has). */
export function balanceDifferences(rebuilt: Map<string, bigint>, reported: Map<string, bigint>): string[] {
  const differences: string[] = [];
  for (const account of new Set([...rebuilt.keys(), ...reported.keys()])) {
    const mine = rebuilt.get(account);
    const theirs = reported.get(account);
    if (mine !== theirs)
      differences.push(
        `${account}: rebuilt ${mine === undefined ? "none" : e7ToYuan(mine)}, gateway ${theirs === undefined ? "none" : e7ToYuan(theirs)}`,
      );
  }
  return differences;
}
