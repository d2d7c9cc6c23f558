/**
 * What the fault suite reads from the service's database while it runs (a separate read-only
 * connection: WAL lets it read while the service writes) and after it stops: readings, charges,
 * clock events, and the ledger invariants a billing platform relies on.
 */
import Database from "better-sqlite3";

/** Highest row ids so far: marks "before the fault" in later queries. */
export interface Marks {
  readonly readingId: number;
  readonly eventId: number;
}

/** One clock.anomaly event. */
export interface ClockEvent {
  readonly id: number;
  readonly meterId: string;
  /** wall-jump, wall-backwards, monotonic-reset, wall-implausible. */
  readonly anomaly: string;
}

/** Ledger invariants over the whole run. */
export interface LedgerFacts {
  readonly integrity: string;
  /** Accounts whose balance differs from the sum of their ledger entries (should be none). */
  readonly unbalancedAccounts: readonly string[];
  /** Charge rows minus distinct charged readings (> 0: a reading charged twice). */
  readonly doubleCharges: number;
  /** Charge rows with a positive amount (a credit disguised as a charge). */
  readonly negativeCharges: number;
  /** Per meter: Wh charged, and the register's movement from its first reading to its last charged one. */
  readonly meters: ReadonlyArray<{ meterId: string; chargedWh: number; movedWh: number }>;
}

/** A read-only look at the database file; each call opens and closes its own connection. */
export class BillingDb {
  constructor(
    private readonly file: string,
    /** 1e-7 yuan per Wh at the tariff in force (1.0000 yuan/kWh: 10 000). */
    private readonly e7PerWh: number,
  ) {}

  private read<T>(fn: (db: Database.Database) => T): T {
    const db = new Database(this.file, { readonly: true, fileMustExist: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  marks(): Marks {
    return this.read((db) => ({
      readingId: db.prepare("SELECT coalesce(max(id), 0) FROM readings").pluck().get() as number,
      eventId: db.prepare("SELECT coalesce(max(id), 0) FROM events").pluck().get() as number,
    }));
  }

  /** clock.anomaly events after `eventId`. */
  clockEventsAfter(eventId: number): ClockEvent[] {
    return this.read((db) =>
      (
        db
          .prepare("SELECT id, meter_id, payload_json FROM events WHERE type = 'clock.anomaly' AND id > ?")
          .all(eventId) as Array<{ id: number; meter_id: string; payload_json: string }>
      ).map((row) => ({
        id: row.id,
        meterId: row.meter_id,
        anomaly: String((JSON.parse(row.payload_json) as { data?: { anomaly?: unknown } }).data?.anomaly),
      })),
    );
  }

  /** Per meter, how many of its readings after `readingId` were charged. */
  chargesAfter(readingId: number): Map<string, number> {
    return this.read(
      (db) =>
        new Map(
          (
            db
              .prepare(
                `SELECT r.meter_id AS meterId, count(*) AS n FROM ledger l JOIN readings r ON r.id = l.reading_id
                 WHERE l.kind = 'charge' AND l.reading_id > ? GROUP BY r.meter_id`,
              )
              .all(readingId) as Array<{ meterId: string; n: number }>
          ).map((row) => [row.meterId, row.n]),
        ),
    );
  }

  /** Readings stored after `readingId`. */
  readingsAfter(readingId: number): number {
    return this.read(
      (db) => db.prepare("SELECT count(*) FROM readings WHERE id > ?").pluck().get(readingId) as number,
    );
  }

  ledgerFacts(): LedgerFacts {
    return this.read((db) => {
      const one = (sql: string) => db.prepare(sql).pluck().get();
      const unbalanced = db
        .prepare(
          `SELECT a.id FROM accounts a
           WHERE a.balance_e7 != (SELECT coalesce(sum(amount_e7), 0) FROM ledger l WHERE l.account_id = a.id)`,
        )
        .pluck()
        .all() as string[];
      const meters = db
        .prepare(
          `SELECT r.meter_id AS meterId, -sum(l.amount_e7) AS chargedE7, max(l.reading_id) AS lastId
           FROM ledger l JOIN readings r ON r.id = l.reading_id WHERE l.kind = 'charge' GROUP BY r.meter_id`,
        )
        .all() as Array<{ meterId: string; chargedE7: number; lastId: number }>;
      const energyOf = db.prepare("SELECT energy_wh FROM readings WHERE id = ?").pluck();
      const firstEnergy = db
        .prepare("SELECT energy_wh FROM readings WHERE meter_id = ? ORDER BY id LIMIT 1")
        .pluck();
      return {
        integrity: one("PRAGMA integrity_check") as string,
        unbalancedAccounts: unbalanced,
        doubleCharges: one(
          "SELECT count(*) - count(DISTINCT reading_id) FROM ledger WHERE kind = 'charge'",
        ) as number,
        negativeCharges: one("SELECT count(*) FROM ledger WHERE kind = 'charge' AND amount_e7 > 0") as number,
        meters: meters.map((m) => ({
          meterId: m.meterId,
          chargedWh: m.chargedE7 / this.e7PerWh,
          movedWh: (energyOf.get(m.lastId) as number) - (firstEnergy.get(m.meterId) as number),
        })),
      };
    });
  }
}
