/** Test support: a command key, signed requests and a store with two accounts, shared by uplink tests. */
import type { Store } from "../../../gateway/store/index.ts";
import { exampleThresholds } from "../store/temp-store.ts";
import { buildSignedRequest } from "../../../gateway/uplink/client/send.ts";

/** The command key tests use (32 characters). */
export const testKeyText = "test-command-key-0123456789abcdef";
export const testKey = Buffer.from(testKeyText);
export const testGatewayId = "gw-test";
export const testAccounts = ["A-1", "A-2"] as const;
export const testMeters = new Set(["M-1", "M-2"]);

let counter = 0;

/** A unique transaction id. */
export function nextTransaction(): string {
  counter++;
  return `tx-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** A request for `command`, signed with {@link testKey}, issued at `nowMs`, valid for 2 minutes. */
export function signedRequest(
  command: string,
  params: Record<string, unknown>,
  options: {
    nowMs: number;
    ttlMs?: number;
    gatewayId?: string;
    transaction?: string;
    key?: Buffer;
    kid?: string;
  },
): Record<string, unknown> {
  return buildSignedRequest(command, params, {
    gatewayId: options.gatewayId ?? testGatewayId,
    key: options.key ?? testKey,
    nowMs: options.nowMs,
    ttlMs: options.ttlMs ?? 120_000,
    transaction: options.transaction ?? nextTransaction(),
    ...(options.kid === undefined ? {} : { kid: options.kid }),
  });
}

/** Creates tariff T-1 and the test accounts (A-1 on M-1, A-2 on M-2), each with a 100 yuan opening balance. */
export function seedAccounts(store: Store): void {
  store.transaction(() => {
    if (store.tariffs.get("T-1") === undefined)
      store.tariffs.upsert("T-1", "flat", { id: "T-1", kind: "flat", price: "0.5283" });
    testAccounts.forEach((id, i) => {
      if (store.accounts.get(id) !== undefined) return;
      store.accounts.create({ id, meterId: `M-${i + 1}`, thresholds: exampleThresholds });
      store.ledger.post({ accountId: id, kind: "adjustment", amountE7: 100 * 1e7, ref: "opening" });
    });
  });
}

/** The state a refused command must leave unchanged (audit records aside), as comparable data. */
export function domainSnapshot(store: Store): unknown {
  return {
    accounts: store.accounts.list().map(({ updatedAtMs: _u, ...a }) => a),
    ledger: store.ledger.count(),
    relayOps: store.relayOps.pending().length,
    tariffs: store.tariffs.list(),
    commandsSeen: store.commandsSeen.count(),
  };
}
