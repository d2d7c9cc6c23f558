/**
 * What a stopped service left in its database, for the fault checks: integrity, readings, charges and
 * events of one account and meter. Opened read-only; the service must not be running.
 */
import Database from "better-sqlite3";

/** Facts about account `accountId` and meter `meterId`; amounts in 1e-7 yuan. */
export interface BillingFacts {
  readonly integrity: string;
  readonly readings: number;
  readonly balanceE7: number;
  readonly ledgerSumE7: number;
  readonly chargedE7: number;
  readonly charges: number;
  readonly chargedReadings: number;
  readonly minEnergyWh: number;
  readonly maxEnergyWh: number;
  /** Events by type, e.g. { "disk.full": 1 }. */
  readonly events: Readonly<Record<string, number>>;
}

/** Reads the facts from `file`. @throws when the file cannot be opened */
export function billingFacts(file: string, accountId = "a1", meterId = "m1"): BillingFacts {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const one = <T>(sql: string, ...params: unknown[]) =>
      db
        .prepare(sql)
        .pluck()
        .get(...params) as T;
    const events = db.prepare("SELECT type, count(*) AS n FROM events GROUP BY type").all() as Array<{
      type: string;
      n: number;
    }>;
    return {
      integrity: one<string>("PRAGMA integrity_check"),
      readings: one<number>("SELECT count(*) FROM readings WHERE meter_id = ?", meterId),
      balanceE7: one<number>("SELECT balance_e7 FROM accounts WHERE id = ?", accountId),
      ledgerSumE7: one<number>(
        "SELECT coalesce(sum(amount_e7), 0) FROM ledger WHERE account_id = ?",
        accountId,
      ),
      chargedE7: one<number>(
        "SELECT coalesce(-sum(amount_e7), 0) FROM ledger WHERE account_id = ? AND kind = 'charge'",
        accountId,
      ),
      charges: one<number>("SELECT count(*) FROM ledger WHERE kind = 'charge' AND account_id = ?", accountId),
      chargedReadings: one<number>(
        "SELECT count(DISTINCT reading_id) FROM ledger WHERE kind = 'charge' AND account_id = ?",
        accountId,
      ),
      minEnergyWh: one<number>(
        "SELECT coalesce(min(energy_wh), 0) FROM readings WHERE meter_id = ?",
        meterId,
      ),
      maxEnergyWh: one<number>(
        "SELECT coalesce(max(energy_wh), 0) FROM readings WHERE meter_id = ?",
        meterId,
      ),
      events: Object.fromEntries(events.map((e) => [e.type, e.n])),
    };
  } finally {
    db.close();
  }
}

/** `meter_gateway_polls_total{meter,outcome="ok"}` from a /metrics text; 0 when absent. */
export function okPolls(metrics: string, meterId = "m1"): number {
  const line = metrics
    .split("\n")
    .find(
      (l) =>
        l.startsWith("meter_gateway_polls_total{") &&
        l.includes(`meter="${meterId}"`) &&
        l.includes('outcome="ok"'),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}
