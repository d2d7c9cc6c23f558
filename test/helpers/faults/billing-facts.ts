/**
 * What a gateway database holds about money and energy, read from the file itself: counts, each
 * account's balance beside its ledger, each meter's registers, charges and engine baseline, top-ups
 * and events. The one reader behind every billing check of the fault suite (billing-checks.ts and the
 * scenarios' own checks).
 */
import { one, readDb, rows, type Db } from "../database.ts";

/** Counts and sums read from one database file; amounts in 1e-7 yuan. */
export interface BillingFacts {
  readonly integrity: string;
  readonly readings: number;
  readonly charges: number;
  /** Distinct readings charged (fewer than `charges`: a reading was charged twice). */
  readonly chargedReadings: number;
  /** Charge rows with a positive amount (a credit disguised as a charge; should be none). */
  readonly negativeCharges: number;
  /** Energy charged over all meters, Wh (sum of the tariff parts). */
  readonly chargedWh: number;
  readonly topups: number;
  readonly accounts: readonly AccountFacts[];
  /** Per meter: register movement from the first stored reading to the engine's baseline, Wh. */
  readonly meters: readonly MeterFacts[];
  /** Per account: the purchase sequence numbers applied, in ledger order, with their amounts. */
  readonly purchases: ReadonlyMap<string, ReadonlyArray<{ seq: number; amountE7: number }>>;
  /** Events by type, e.g. { "disk.full": 1 }. */
  readonly events: Readonly<Record<string, number>>;
}

/** One account's balance and the sum of its ledger, 1e-7 yuan. */
export interface AccountFacts {
  readonly id: string;
  readonly balanceE7: number;
  readonly ledgerSumE7: number;
}

/** One meter's energy accounting. */
export interface MeterFacts {
  readonly meterId: string;
  /** Register of the first and the last stored reading, Wh. */
  readonly firstWh: number;
  readonly lastWh: number;
  /** Lowest and highest register stored, Wh. */
  readonly minWh: number;
  readonly maxWh: number;
  /** The engine's baseline (last charged register value), or undefined before its first reading. */
  readonly baselineWh: number | undefined;
  /** Register of the last charged reading, Wh; undefined when none was charged. */
  readonly lastChargedWh: number | undefined;
  /** Energy charged (sum of the tariff parts), Wh. */
  readonly chargedWh: number;
  /** Money charged for this meter's readings, 1e-7 yuan (positive). */
  readonly chargedE7: number;
  /** Jumps held for a command to charge or waive, Wh. */
  readonly heldWh: number;
}

function kvJson(db: Db, key: string): unknown {
  const text = one<string | undefined>(db, "SELECT value_json FROM kv WHERE key = ?", key);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

function meterFacts(db: Db): MeterFacts[] {
  const meters = rows<{ meter_id: string }>(db, "SELECT DISTINCT meter_id FROM readings ORDER BY meter_id");
  const energy = (sql: string, meterId: string) => one<number>(db, sql, meterId);
  return meters.map(({ meter_id: meterId }) => {
    const chargedWh = one<number>(
      db,
      `SELECT coalesce(sum(json_extract(p.value, '$.wh')), 0)
       FROM ledger l JOIN readings r ON r.id = l.reading_id, json_each(l.tariff_parts_json) p
       WHERE l.kind = 'charge' AND r.meter_id = ?`,
      meterId,
    );
    const charged = db
      .prepare(
        `SELECT coalesce(-sum(l.amount_e7), 0) AS e7, max(l.reading_id) AS lastId
         FROM ledger l JOIN readings r ON r.id = l.reading_id WHERE l.kind = 'charge' AND r.meter_id = ?`,
      )
      .get(meterId) as { e7: number; lastId: number | null };
    const baselineWh = one<number | null | undefined>(
      db,
      "SELECT energy_wh FROM meter_states WHERE meter_id = ?",
      meterId,
    );
    const held = (kvJson(db, `prepaid.held.${meterId}`) as Array<{ energyWh: number }> | undefined) ?? [];
    return {
      meterId,
      firstWh: energy("SELECT energy_wh FROM readings WHERE meter_id = ? ORDER BY id LIMIT 1", meterId),
      lastWh: energy("SELECT energy_wh FROM readings WHERE meter_id = ? ORDER BY id DESC LIMIT 1", meterId),
      minWh: energy("SELECT min(energy_wh) FROM readings WHERE meter_id = ?", meterId),
      maxWh: energy("SELECT max(energy_wh) FROM readings WHERE meter_id = ?", meterId),
      baselineWh: baselineWh ?? undefined,
      lastChargedWh:
        charged.lastId === null
          ? undefined
          : one<number>(db, "SELECT energy_wh FROM readings WHERE id = ?", charged.lastId),
      chargedWh,
      chargedE7: charged.e7,
      heldWh: held.reduce((sum, h) => sum + h.energyWh, 0),
    };
  });
}

function purchasesOf(db: Db): Map<string, Array<{ seq: number; amountE7: number }>> {
  const purchases = new Map<string, Array<{ seq: number; amountE7: number }>>();
  const list = rows<{ account_id: string; purchase_seq: number; amount_e7: number }>(
    db,
    "SELECT account_id, purchase_seq, amount_e7 FROM ledger WHERE kind = 'topup' ORDER BY id",
  );
  for (const row of list) {
    const entries = purchases.get(row.account_id) ?? [];
    entries.push({ seq: row.purchase_seq, amountE7: row.amount_e7 });
    purchases.set(row.account_id, entries);
  }
  return purchases;
}

/** `PRAGMA integrity_check` as one line ("ok" when the file is intact). */
export function integrityOf(db: Db): string {
  return rows<{ integrity_check: string }>(db, "PRAGMA integrity_check")
    .map((r) => r.integrity_check)
    .join("; ");
}

/** Reads the facts from an open database that has the gateway's schema. */
export function readBillingFacts(db: Db, integrity = integrityOf(db)): BillingFacts {
  const meters = meterFacts(db);
  const events = rows<{ type: string; n: number }>(
    db,
    "SELECT type, count(*) AS n FROM events GROUP BY type",
  );
  return {
    integrity,
    readings: one<number>(db, "SELECT count(*) FROM readings"),
    charges: one<number>(db, "SELECT count(*) FROM ledger WHERE kind = 'charge'"),
    chargedReadings: one<number>(db, "SELECT count(DISTINCT reading_id) FROM ledger WHERE kind = 'charge'"),
    negativeCharges: one<number>(db, "SELECT count(*) FROM ledger WHERE kind = 'charge' AND amount_e7 > 0"),
    chargedWh: meters.reduce((sum, m) => sum + m.chargedWh, 0),
    topups: one<number>(db, "SELECT count(*) FROM ledger WHERE kind = 'topup'"),
    accounts: rows<AccountFacts>(
      db,
      `SELECT a.id, a.balance_e7 AS balanceE7,
         (SELECT coalesce(sum(amount_e7), 0) FROM ledger WHERE account_id = a.id) AS ledgerSumE7
       FROM accounts a ORDER BY a.id`,
    ),
    meters,
    purchases: purchasesOf(db),
    events: Object.fromEntries(events.map((e) => [e.type, e.n])),
  };
}

/** Facts of a database the gateway never committed its schema to (a power cut during the first start). */
export function emptyFacts(integrity: string): BillingFacts {
  return {
    integrity,
    readings: 0,
    charges: 0,
    chargedReadings: 0,
    negativeCharges: 0,
    chargedWh: 0,
    topups: 0,
    accounts: [],
    meters: [],
    purchases: new Map(),
    events: {},
  };
}

/** Reads the facts of a stopped service's database file (read-only). @throws when it cannot be opened */
export function billingFacts(file: string): BillingFacts {
  return readDb(file, (db) => readBillingFacts(db));
}
