/**
 * The daily and monthly freeze (docs/mqtt.md 3.4, "Daily and monthly records"). A record's energy is
 * the import-register difference between two stored readings: the last one taken before the freeze
 * instant, and the one that closed the meter's previous record of that kind (at the meter's first
 * record, its first stored reading). Energy used before midnight but first read after it therefore
 * belongs to the next record, whose `fromMs` says so. Its amount is every charge of the meter posted
 * since the previous record: reading charges and held jumps charged by anomaly.resolve.
 */
import type { Store } from "../store/index.ts";
import { formatMoneyE7, localParts } from "../prepaid/index.ts";
import { anomalyChargeMeter } from "../billing/anomalies.ts";
import { recordBilling } from "../uplink/outbox-writer.ts";

interface FreezeMark {
  atMs: number;
  /** Register of the reading that closed the record, Wh. */
  energyWh: number;
  lastLedgerId: number;
  /** Wall time of that reading, epoch ms (absent in marks written before it was kept). */
  readingAtMs?: number;
  /** The period the record was written for (absent in older marks). */
  period?: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The local day (YYYY-MM-DD) or month (YYYY-MM) that ends at `atMs` in `timeZone`. */
function periodEnding(atMs: number, timeZone: string, kind: "daily" | "monthly"): string {
  const local = localParts(atMs - 1, timeZone);
  return kind === "daily"
    ? `${local.year}-${pad(local.month)}-${pad(local.day)}`
    : `${local.year}-${pad(local.month)}`;
}

/**
 * Freezes each billed meter at `atMs`: energy and charges since its previous freeze, closing balance and
 * register. `kind` daily labels the local day that just ended, monthly the month. A period already
 * frozen (the same instant again, or a time-zone change that ends the same local day twice) writes
 * nothing and moves nothing: its energy and charges go to the next record. Returns the records written.
 */
export function freeze(
  store: Store,
  meterAccount: ReadonlyMap<string, string>,
  timeZone: string,
  atMs: number,
  kind: "daily" | "monthly",
): number {
  const period = periodEnding(atMs, timeZone, kind);
  let written = 0;
  store.transaction(() => {
    for (const [meterId, accountId] of meterAccount)
      if (freezeMeter(store, { meterId, accountId, atMs, kind, period })) written += 1;
  });
  return written;
}

interface MeterFreeze {
  meterId: string;
  accountId: string;
  atMs: number;
  kind: "daily" | "monthly";
  period: string;
}

function freezeMeter(store: Store, f: MeterFreeze): boolean {
  const account = store.accounts.get(f.accountId);
  const closing = store.readings.around(f.meterId, f.atMs - 1).before;
  if (account === undefined || closing === undefined) return false;
  const markKey = `freeze.${f.kind}.${f.meterId}`;
  const mark = store.kv.get(markKey) as FreezeMark | undefined;
  if (mark?.period !== undefined && mark.period >= f.period) return false;
  const opening =
    mark === undefined
      ? store.readings.firstForMeter(f.meterId)!
      : { energyWh: mark.energyWh, atMs: mark.readingAtMs ?? mark.atMs };
  const { amountE7, lastLedgerId } = chargesSince(store, f, mark?.lastLedgerId ?? 0);
  recordBilling(store, `${f.kind}:${f.meterId}:${f.period}`, {
    kind: f.kind,
    period: f.period,
    accountId: f.accountId,
    meterId: f.meterId,
    energyWh: Math.max(0, closing.energyWh - opening.energyWh),
    fromMs: opening.atMs,
    toMs: closing.atMs,
    amount: formatMoneyE7(amountE7),
    closingBalance: formatMoneyE7(account.balanceE7),
    closingEnergyWh: closing.energyWh,
  });
  const next: FreezeMark = {
    atMs: f.atMs,
    energyWh: closing.energyWh,
    lastLedgerId,
    readingAtMs: closing.atMs,
    period: f.period,
  };
  store.kv.set(markKey, next);
  return true;
}

/** The meter's charges (as a positive sum, E7) posted to its account after ledger entry `afterId`. */
function chargesSince(
  store: Store,
  f: MeterFreeze,
  afterId: number,
): { amountE7: number; lastLedgerId: number } {
  let amountE7 = 0;
  let lastLedgerId = afterId;
  for (;;) {
    const entries = store.ledger.forAccount(f.accountId, { afterId: lastLedgerId, limit: 5000 });
    if (entries.length === 0) break;
    for (const e of entries) {
      lastLedgerId = e.id;
      if (e.kind !== "charge") continue;
      const meterId =
        e.readingId !== null ? store.readings.get(e.readingId)?.meterId : anomalyChargeMeter(store, e.ref);
      if (meterId === f.meterId) amountE7 -= e.amountE7;
    }
  }
  return { amountE7, lastLedgerId };
}
