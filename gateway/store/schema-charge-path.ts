/**
 * Migrations that make the charge path (a charged reading: ledger entry, balance, billing record, meter
 * state) write less per reading (issue 13, docs/bench.md "Charge path, fourth round"). Each is cheap on a
 * full field database: no table is rebuilt or copied.
 */

/**
 * v6: the ledger's by-account index `ledger_account (account_id, id)` is dropped. The UNIQUE (account_id,
 * purchase_seq) constraint's index already orders each account's entries: those without a purchase count
 * (charges, adjustments, refunds) by id, top-ups by purchase count. Every charge put an entry in both,
 * each in a different page per account, and every such page is written to the WAL at the commit. The
 * balance trigger now finds an account's latest entry through that index: the newest entry without a
 * purchase count, or a later top-up (an account has few). Dropping an index frees its pages without
 * copying anything.
 */
export const dropLedgerAccountIndex = `
DROP TRIGGER accounts_balance_follows_ledger;
CREATE TRIGGER accounts_balance_follows_ledger BEFORE UPDATE OF balance_e7 ON accounts
WHEN NEW.balance_e7 IS NOT (
  SELECT balance_after_e7 FROM ledger WHERE id = max(
    coalesce((SELECT id FROM ledger WHERE account_id = NEW.id AND purchase_seq IS NULL ORDER BY id DESC LIMIT 1), 0),
    coalesce((SELECT max(id) FROM ledger WHERE account_id = NEW.id AND purchase_seq IS NOT NULL), 0)))
BEGIN SELECT RAISE(ABORT, 'account balance changes only through the ledger'); END;
DROP INDEX ledger_account;
`;

/**
 * v7: each meter's billing state in a row of its own, its plausibility track (the baseline the next charge
 * counts from, which moves with every charged reading) in plain columns and the rest (cut decision, held
 * readings, identity) as JSON. It was one JSON value in kv, written in full for every charged reading.
 * Moved from kv here; a fractional time stored by versions before issue 10 is floored on the way, as
 * `wholeTrack` (gateway/prepaid/track-time.ts) floors it when such a track is read.
 */
export const meterStatesTable = `
CREATE TABLE meter_states (
  meter_id             TEXT PRIMARY KEY,
  -- MeterTrack; all NULL while the meter has none (before its first reading, after a reset).
  energy_wh            INTEGER,
  wall_ms              INTEGER,
  mono_ms              INTEGER,
  clock_wall_ms        INTEGER, -- lastClock
  clock_mono_ms        INTEGER,
  clock_run            TEXT,
  last_advance_mono_ms INTEGER,
  stopped              INTEGER CHECK (stopped IN (0, 1)),
  holds                INTEGER,
  clock_unset          INTEGER CHECK (clock_unset IN (0, 1)),
  other_json           TEXT NOT NULL CHECK (json_valid(other_json)),
  updated_at_ms        INTEGER NOT NULL,
  CHECK ((energy_wh IS NULL) = (wall_ms IS NULL))
) STRICT;
INSERT INTO meter_states
SELECT substr(key, length('prepaid.meter.') + 1),
  json_extract(value_json, '$.track.energyWh'),
  floor(json_extract(value_json, '$.track.wallMs')),
  floor(json_extract(value_json, '$.track.monoMs')),
  floor(json_extract(value_json, '$.track.lastClock.wallMs')),
  floor(json_extract(value_json, '$.track.lastClock.monoMs')),
  json_extract(value_json, '$.track.lastClock.run'),
  floor(json_extract(value_json, '$.track.lastAdvanceMonoMs')),
  json_extract(value_json, '$.track.stopped'),
  json_extract(value_json, '$.track.holds'),
  CASE WHEN json_extract(value_json, '$.track') IS NULL THEN NULL
       ELSE coalesce(json_extract(value_json, '$.track.clockUnset'), 0) END,
  json_remove(value_json, '$.track'),
  updated_at_ms
FROM kv WHERE key GLOB 'prepaid.meter.*';
DELETE FROM kv WHERE key GLOB 'prepaid.meter.*';
`;

/**
 * v8: a ledger entry moves its account's balance (and a top-up its purchase count) itself, in an AFTER
 * INSERT trigger, instead of a second statement from the repository: one statement less per charge. The
 * balance triggers still check both sides (ledger_chain: the entry continues the balance;
 * accounts_balance_follows_ledger: the balance is the latest entry's).
 */
export const ledgerMovesBalance = `
CREATE TRIGGER ledger_moves_balance AFTER INSERT ON ledger
BEGIN
  UPDATE accounts SET balance_e7 = NEW.balance_after_e7,
    last_purchase_seq = coalesce(NEW.purchase_seq, last_purchase_seq), updated_at_ms = NEW.at_ms
  WHERE id = NEW.account_id;
END;
`;
