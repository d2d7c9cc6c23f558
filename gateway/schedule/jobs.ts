/**
 * The gateway's scheduled work: the daily freeze at 00:00 (per-meter day energy and balance, published
 * on billing), the monthly settlement, retention of delivered data, and the daily online backup.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../core/logger.ts";
import type { Store, RetentionPolicy } from "../store/index.ts";
import { formatMoneyE7, localParts } from "../prepaid/index.ts";
import { recordBilling } from "../uplink/outbox-writer.ts";

interface FreezeMark {
  atMs: number;
  energyWh: number;
  lastLedgerId: number;
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Freezes each billed meter at `atMs`: energy and charges since its previous freeze, closing balance and
 * register. `kind` daily labels the local day that just ended, monthly the month. Idempotent per period
 * (the billing record's key names the meter and period).
 */
export function freeze(
  store: Store,
  meterAccount: ReadonlyMap<string, string>,
  timeZone: string,
  atMs: number,
  kind: "daily" | "monthly",
): number {
  const local = localParts(atMs - 1, timeZone);
  const period =
    kind === "daily"
      ? `${local.year}-${pad(local.month)}-${pad(local.day)}`
      : `${local.year}-${pad(local.month)}`;
  let written = 0;
  store.transaction(() => {
    for (const [meterId, accountId] of meterAccount) {
      const account = store.accounts.get(accountId);
      const latest = store.readings.latestForMeter(meterId);
      if (account === undefined || latest === undefined) continue;
      const markKey = `freeze.${kind}.${meterId}`;
      const mark = store.kv.get(markKey) as FreezeMark | undefined;
      let amountE7 = 0;
      let lastLedgerId = mark?.lastLedgerId ?? 0;
      for (;;) {
        const entries = store.ledger.forAccount(accountId, { afterId: lastLedgerId, limit: 5000 });
        if (entries.length === 0) break;
        for (const e of entries) {
          lastLedgerId = e.id;
          if (
            e.kind === "charge" &&
            e.readingId !== null &&
            store.readings.get(e.readingId)?.meterId === meterId
          )
            amountE7 -= e.amountE7;
        }
      }
      const energyWh = mark === undefined ? 0 : Math.max(0, latest.energyWh - mark.energyWh);
      recordBilling(store, `${kind}:${meterId}:${period}`, {
        kind,
        period,
        accountId,
        meterId,
        energyWh,
        amount: formatMoneyE7(amountE7),
        closingBalance: formatMoneyE7(account.balanceE7),
        closingEnergyWh: latest.energyWh,
      });
      store.kv.set(markKey, { atMs, energyWh: latest.energyWh, lastLedgerId } satisfies FreezeMark);
      written += 1;
    }
  });
  return written;
}

/** Default retention: delivered readings for 90 days (at most 2 million), delivered outbox records for 30. */
export const defaultRetention: RetentionPolicy = {
  readingsMaxAgeMs: 90 * 86_400_000,
  readingsMaxDelivered: 2_000_000,
  outboxMaxAgeMs: 30 * 86_400_000,
  commandsSeenMaxAgeMs: 30 * 86_400_000,
};

/** Writes a consistent snapshot (VACUUM INTO) to dataDir/backups and keeps the newest `keep`. */
export function backup(store: Store, dataDir: string, atMs: number, keep: number, logger: Logger): string {
  const dir = join(dataDir, "backups");
  mkdirSync(dir, { recursive: true });
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, "").slice(0, 15);
  const file = join(dir, `gateway-${stamp}.db`);
  store.backup(file);
  const old = readdirSync(dir)
    .filter((f) => /^gateway-\d{8}T\d{6}\.db$/.test(f))
    .sort()
    .reverse()
    .slice(keep);
  for (const f of old) rmSync(join(dir, f), { force: true });
  logger.info({ file, removed: old.length }, "database backed up");
  return file;
}
