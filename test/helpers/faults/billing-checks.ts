/**
 * What must hold in a gateway database after any crash, kill or power cut, checked from outside on the
 * file itself (read-only): the file is intact, money adds up, no energy is charged twice or lost, and
 * every transaction committed whole (a reading with its outbox record, a charge with its billing
 * record and the meter's baseline, a top-up with its billing record). Shared by the fault scenarios.
 */
import Database from "better-sqlite3";
import {
  emptyFacts,
  integrityOf,
  readBillingFacts,
  type BillingFacts,
  type MeterFacts,
} from "./billing-facts.ts";
import { one, rows, type Db } from "../database.ts";

/** The outcome of {@link checkBilling}: the facts and one line per failed check (empty when all held). */
export interface BillingCheck {
  readonly facts: BillingFacts;
  readonly failures: string[];
}

/** Money: every balance is the sum of its ledger and every entry continues the one before. */
function moneyFailures(db: Db): string[] {
  const failures: string[] = [];
  const accounts = rows<{ id: string; balance_e7: number; sum: number }>(
    db,
    `SELECT a.id, a.balance_e7, (SELECT coalesce(sum(amount_e7), 0) FROM ledger WHERE account_id = a.id) AS sum
     FROM accounts a`,
  );
  for (const a of accounts)
    if (a.balance_e7 !== a.sum)
      failures.push(`account ${a.id}: balance ${a.balance_e7} e7 but ledger sums to ${a.sum}`);
  const broken = one<number>(
    db,
    `SELECT count(*) FROM (SELECT balance_after_e7, amount_e7,
       lag(balance_after_e7, 1, 0) OVER (PARTITION BY account_id ORDER BY id) AS before FROM ledger)
     WHERE balance_after_e7 <> before + amount_e7`,
  );
  if (broken > 0) failures.push(`${broken} ledger entries do not continue their account's balance`);
  return failures;
}

/** No reading charged twice, and each charge's billing record committed with it. */
function chargeFailures(db: Db): string[] {
  const failures: string[] = [];
  const charges = one<number>(db, "SELECT count(*) FROM ledger WHERE kind = 'charge'");
  const distinct = one<number>(db, "SELECT count(DISTINCT reading_id) FROM ledger WHERE kind = 'charge'");
  if (charges !== distinct)
    failures.push(`${charges} charges for ${distinct} readings: a reading was charged twice`);
  const noRecord = one<number>(
    db,
    `SELECT count(*) FROM ledger l WHERE l.kind = 'charge'
       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idem_key = 'charge:' || l.reading_id)`,
  );
  if (noRecord > 0) failures.push(`${noRecord} charges without their billing record (torn transaction)`);
  const records = one<number>(db, "SELECT count(*) FROM outbox WHERE idem_key LIKE 'charge:%'");
  if (records > charges)
    failures.push(`${records} charge records in the outbox for ${charges} ledger charges`);
  return failures;
}

/** Readings and outbox: each reading committed with its record; per stream, seq numbers end at last_seq. */
function outboxFailures(db: Db): string[] {
  const failures: string[] = [];
  const orphans = one<number>(
    db,
    "SELECT count(*) FROM readings WHERE delivered_at_ms IS NULL AND (outbox_id IS NULL OR outbox_id NOT IN (SELECT id FROM outbox))",
  );
  if (orphans > 0)
    failures.push(`${orphans} undelivered readings without their outbox record (torn transaction)`);
  const streams = rows<{ stream: string; last_seq: number; max_seq: number | null; span: number; n: number }>(
    db,
    `SELECT s.stream, s.last_seq, max(o.seq) AS max_seq, max(o.seq) - min(o.seq) + 1 AS span, count(o.id) AS n
     FROM stream_seq s LEFT JOIN outbox o ON o.stream = s.stream GROUP BY s.stream`,
  );
  for (const s of streams) {
    if (s.max_seq !== null && s.max_seq !== s.last_seq)
      failures.push(`stream ${s.stream}: last_seq ${s.last_seq} but the outbox ends at seq ${s.max_seq}`);
    if (s.max_seq !== null && s.n !== s.span)
      failures.push(`stream ${s.stream}: ${s.span - s.n} seq numbers missing in the outbox`);
  }
  return failures;
}

/** Energy: what was charged plus what is held equals how far the registers moved to the baseline. */
function energyFailures(meters: readonly MeterFacts[]): string[] {
  const failures: string[] = [];
  for (const m of meters) {
    if (m.baselineWh === undefined) {
      if (m.chargedWh !== 0)
        failures.push(`meter ${m.meterId}: ${m.chargedWh} Wh charged without a baseline`);
      continue;
    }
    const moved = m.baselineWh - m.firstWh;
    if (m.chargedWh + m.heldWh !== moved)
      failures.push(
        `meter ${m.meterId}: charged ${m.chargedWh} Wh + held ${m.heldWh} Wh, but the register moved ${moved} Wh ` +
          `(first ${m.firstWh}, baseline ${m.baselineWh})`,
      );
    if (m.baselineWh > m.lastWh || m.baselineWh < m.firstWh)
      failures.push(
        `meter ${m.meterId}: baseline ${m.baselineWh} Wh outside the stored readings ${m.firstWh}..${m.lastWh}`,
      );
  }
  return failures;
}

/** Top-ups: applied purchase counts are 1, 2, 3 ... per account, each with its billing record. */
function topupFailures(db: Db, purchases: ReadonlyMap<string, ReadonlyArray<{ seq: number }>>): string[] {
  const failures: string[] = [];
  for (const [account, list] of purchases) {
    const seqs = list.map((p) => p.seq);
    const expected = Array.from({ length: seqs.length }, (_, i) => i + 1);
    if (seqs.join(",") !== expected.join(","))
      failures.push(`account ${account}: purchases applied in order ${seqs.join(",")}`);
    const last = one<number>(db, "SELECT last_purchase_seq FROM accounts WHERE id = ?", account);
    if (last !== seqs.length)
      failures.push(`account ${account}: last_purchase_seq ${last} after ${seqs.length} top-ups`);
  }
  const noRecord = one<number>(
    db,
    `SELECT count(*) FROM ledger l WHERE l.kind = 'topup'
       AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idem_key = 'topup:' || l.account_id || ':' || l.purchase_seq)`,
  );
  if (noRecord > 0) failures.push(`${noRecord} top-ups without their billing record (torn transaction)`);
  return failures;
}

/**
 * Opens `file` (with its -wal, as SQLite would after a crash) and runs every check. Read-only unless
 * `recover` is set: a copy without its -shm must be opened read-write once, so SQLite rebuilds the WAL
 * index the way the gateway's next start would.
 * Outbox-based checks assume delivered records were not evicted yet (retention runs hourly).
 */
export function checkBilling(file: string, options: { recover?: boolean } = {}): BillingCheck {
  const db = new Database(file, { readonly: options.recover !== true, fileMustExist: true });
  try {
    const integrity = integrityOf(db);
    if (one<number>(db, "SELECT count(*) FROM sqlite_master WHERE name = 'ledger'") === 0)
      return {
        facts: emptyFacts(integrity),
        failures: integrity === "ok" ? [] : [`integrity_check: ${integrity}`],
      };
    const facts = readBillingFacts(db, integrity);
    const failures = [
      ...(integrity === "ok" ? [] : [`integrity_check: ${integrity}`]),
      ...moneyFailures(db),
      ...chargeFailures(db),
      ...outboxFailures(db),
      ...energyFailures(facts.meters),
      ...topupFailures(db, facts.purchases),
    ];
    return { facts, failures };
  } finally {
    db.close();
  }
}

/**
 * After a clean stop nothing stored is left uncharged: each meter's baseline is its last stored
 * reading, so charged + held Wh equals the movement from the first stored reading to the last.
 */
export function unchargedFailures(facts: BillingFacts): string[] {
  return facts.meters
    .filter((m) => m.baselineWh !== m.lastWh)
    .map(
      (m) => `meter ${m.meterId}: last stored reading ${m.lastWh} Wh, but charged up to ${m.baselineWh} Wh`,
    );
}
