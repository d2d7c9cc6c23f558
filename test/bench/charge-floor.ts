/**
 * Figure 3c, the floor of the charge path: the rows a charged reading cannot do without, written as plain
 * better-sqlite3 statements with none of the gateway's rules. Per reading: the reading row (as raw writes
 * it), a ledger entry, its billing record in the outbox (JSON of the size the gateway writes), the
 * account's balance and the meter's baseline; per batch, the readings record. Same pragmas as raw (WAL,
 * synchronous FULL) and the store's checkpoint interval, one transaction per batch; no triggers, CHECKs,
 * foreign keys, sequence counter, tariff or plausibility logic. It tells how far figure 3a's target is
 * from what SQLite itself costs for the same writes on this machine, in the same run.
 */
import Database from "better-sqlite3";
import type { Reading } from "../../gateway/metering/reading.ts";
import { DEFAULT_WAL_AUTOCHECKPOINT_PAGES } from "../../gateway/store/open-database.ts";
import { READINGS_TABLE, insertRawReading } from "./raw-readings.ts";

const floorTables = `${READINGS_TABLE}
  CREATE TABLE accounts (id TEXT PRIMARY KEY, meter_id TEXT UNIQUE, balance_e7 INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL) STRICT;
  CREATE TABLE ledger (id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, kind TEXT NOT NULL,
    amount_e7 INTEGER NOT NULL, balance_after_e7 INTEGER NOT NULL, reading_id INTEGER UNIQUE,
    tariff_parts_json TEXT, at_ms INTEGER NOT NULL, mono_ms INTEGER NOT NULL) STRICT;
  CREATE INDEX ledger_account ON ledger (account_id, id);
  CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, seq INTEGER NOT NULL,
    idem_key TEXT NOT NULL UNIQUE, payload_json TEXT NOT NULL, created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER, UNIQUE (stream, seq)) STRICT;
  CREATE TABLE meter_states (meter_id TEXT PRIMARY KEY, energy_wh INTEGER, wall_ms INTEGER,
    mono_ms INTEGER, updated_at_ms INTEGER NOT NULL) STRICT;`;

/** A flat-rate charge of every reading's 10 Wh, as figure 3a's site charges it. */
const priceE4 = 5283;

/** Writes `batches` into a fresh database at `file` the floor's way. */
export function writeChargeFloor(file: string, batches: readonly Reading[][]): void {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma(`wal_autocheckpoint = ${DEFAULT_WAL_AUTOCHECKPOINT_PAGES}`);
  db.exec(floorTables);
  const meters = new Set(batches.flatMap((batch) => batch.map((r) => r.meterId)));
  const openAccount = db.prepare("INSERT INTO accounts VALUES (?, ?, 0, 0)");
  const openState = db.prepare("INSERT INTO meter_states VALUES (?, NULL, NULL, NULL, 0)");
  for (const meterId of meters) {
    openAccount.run(`a-${meterId}`, meterId);
    openState.run(meterId);
  }
  const insertReading = insertRawReading(db);
  const enqueue = db.prepare(
    "INSERT INTO outbox (stream, seq, idem_key, payload_json, created_at_ms) VALUES (?, ?, ?, ?, ?)",
  );
  const post = db.prepare(`INSERT INTO ledger (account_id, kind, amount_e7, balance_after_e7, reading_id,
    tariff_parts_json, at_ms, mono_ms) VALUES (?, 'charge', ?, ?, ?, ?, ?, ?)`);
  const setBalance = db.prepare("UPDATE accounts SET balance_e7 = ?, updated_at_ms = ? WHERE id = ?");
  const setBaseline = db.prepare(
    "UPDATE meter_states SET energy_wh = ?, wall_ms = ?, mono_ms = ?, updated_at_ms = ? WHERE meter_id = ?",
  );
  const balances = new Map<string, number>();
  const seq = { readings: 0, billing: 0 };
  const write = db.transaction((batch: Reading[]) => {
    const readingsRecord = JSON.stringify(batch.map((r) => ({ meterId: r.meterId, values: r.values })));
    const box = enqueue.run(
      "readings",
      ++seq.readings,
      `readings:${seq.readings}`,
      readingsRecord,
      Date.now(),
    );
    for (const r of batch) {
      const readingId = Number(insertReading(r, Number(box.lastInsertRowid)));
      const accountId = `a-${r.meterId}`;
      const amountE7 = 10 * priceE4 * 100;
      const balanceE7 = (balances.get(accountId) ?? 0) - amountE7;
      balances.set(accountId, balanceE7);
      const parts = [
        { wh: 10, priceE4, period: "flat", tier: 0, amountE7, fromMs: r.wallMs, toMs: r.wallMs },
      ];
      post.run(
        accountId,
        -amountE7,
        balanceE7,
        readingId,
        JSON.stringify(parts),
        r.wallMs,
        Math.trunc(r.monoMs),
      );
      const record = {
        kind: "charge",
        accountId,
        meterId: r.meterId,
        readingId,
        energyWh: 10,
        amount: (amountE7 / 1e7).toFixed(6),
        balance: (balanceE7 / 1e7).toFixed(6),
        parts: [
          { energyWh: 10, price: "0.5283", period: "flat", tier: 0, amount: (amountE7 / 1e7).toFixed(6) },
        ],
      };
      enqueue.run("billing", ++seq.billing, `charge:${readingId}`, JSON.stringify(record), r.wallMs);
      setBalance.run(balanceE7, r.wallMs, accountId);
      const energyWh = r.values.importEnergyWh ?? 0;
      setBaseline.run(energyWh, r.wallMs, Math.trunc(r.monoMs), r.wallMs, r.meterId);
    }
  });
  for (const batch of batches) write(batch);
  db.close();
}
