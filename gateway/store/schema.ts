/**
 * The schema as an ordered list of migrations. Append new migrations; never edit a shipped one, because
 * gateways in the field have already applied it. Tables are STRICT so an INTEGER money or energy column
 * rejects a fractional value instead of silently storing a REAL.
 */
import type { Migration } from "./migrations.ts";
import { dropLedgerAccountIndex, ledgerMovesBalance, meterStatesTable } from "./schema-charge-path.ts";

/** Version 1: every table the gateway needs at first release. */
const v1 = `
CREATE TABLE kv (
  key           TEXT PRIMARY KEY,
  value_json    TEXT NOT NULL CHECK (json_valid(value_json)),
  updated_at_ms INTEGER NOT NULL
) STRICT;

-- One row per outbox stream: the last sequence number handed out. Bumped in the same transaction as the
-- outbox insert, so a rollback returns the number and the stream stays gapless.
CREATE TABLE stream_seq (
  stream   TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL CHECK (last_seq >= 0)
) STRICT;

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  stream          TEXT NOT NULL,
  seq             INTEGER NOT NULL CHECK (seq >= 1),
  idem_key        TEXT NOT NULL UNIQUE,
  payload_json    TEXT NOT NULL CHECK (json_valid(payload_json)),
  created_at_ms   INTEGER NOT NULL,
  created_mono_ms INTEGER NOT NULL,
  delivered_at_ms INTEGER,
  UNIQUE (stream, seq)
) STRICT;
CREATE INDEX outbox_pending ON outbox (stream, seq) WHERE delivered_at_ms IS NULL;
CREATE INDEX outbox_delivered ON outbox (id) WHERE delivered_at_ms IS NOT NULL;

-- Records are immutable once queued; only delivered_at_ms may go from NULL to a time (on PUBACK).
CREATE TRIGGER outbox_immutable BEFORE UPDATE ON outbox
WHEN NEW.id IS NOT OLD.id OR NEW.stream IS NOT OLD.stream OR NEW.seq IS NOT OLD.seq
  OR NEW.idem_key IS NOT OLD.idem_key OR NEW.payload_json IS NOT OLD.payload_json
  OR NEW.created_at_ms IS NOT OLD.created_at_ms OR NEW.created_mono_ms IS NOT OLD.created_mono_ms
  OR (OLD.delivered_at_ms IS NOT NULL AND NEW.delivered_at_ms IS NOT OLD.delivered_at_ms)
BEGIN SELECT RAISE(ABORT, 'outbox records are immutable'); END;
-- The backlog is the only copy of data the platform has not acknowledged: nothing may drop it.
CREATE TRIGGER outbox_keep_undelivered BEFORE DELETE ON outbox WHEN OLD.delivered_at_ms IS NULL
BEGIN SELECT RAISE(ABORT, 'undelivered outbox records cannot be deleted'); END;

CREATE TABLE readings (
  id               INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: the ledger charges by reading id
  meter_id         TEXT NOT NULL,
  at_ms            INTEGER NOT NULL,
  mono_ms          INTEGER NOT NULL,
  energy_wh        INTEGER NOT NULL,
  export_energy_wh INTEGER,
  voltage_v        REAL,
  current_a        REAL,
  power_w          REAL,
  power_factor     REAL,
  frequency_hz     REAL,
  extra_json       TEXT CHECK (extra_json IS NULL OR json_valid(extra_json)),
  quality_flags    INTEGER NOT NULL DEFAULT 0,
  outbox_id        INTEGER REFERENCES outbox (id) ON DELETE SET NULL,
  delivered_at_ms  INTEGER
) STRICT;
CREATE INDEX readings_meter ON readings (meter_id, id);
CREATE INDEX readings_outbox ON readings (outbox_id) WHERE outbox_id IS NOT NULL;
CREATE INDEX readings_delivered ON readings (at_ms) WHERE delivered_at_ms IS NOT NULL;
CREATE TRIGGER readings_keep_undelivered BEFORE DELETE ON readings WHEN OLD.delivered_at_ms IS NULL
BEGIN SELECT RAISE(ABORT, 'undelivered readings cannot be deleted'); END;
-- A reading counts as delivered when the outbox record carrying it is acknowledged.
CREATE TRIGGER outbox_delivers_readings AFTER UPDATE OF delivered_at_ms ON outbox
WHEN OLD.delivered_at_ms IS NULL AND NEW.delivered_at_ms IS NOT NULL
BEGIN
  UPDATE readings SET delivered_at_ms = NEW.delivered_at_ms
  WHERE outbox_id = NEW.id AND delivered_at_ms IS NULL;
END;

CREATE TABLE tariffs (
  id              TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  definition_json TEXT NOT NULL CHECK (json_valid(definition_json)),
  updated_at_ms   INTEGER NOT NULL
) STRICT;

-- Money is INTEGER in 1e-7 yuan (the e7 suffix): meter prices have 4 decimals per kWh and charges are
-- taken per 0.01 kWh (DOMAIN.md section 2), so 1e-7 yuan keeps every charge exact.
CREATE TABLE accounts (
  id                   TEXT PRIMARY KEY,
  meter_id             TEXT UNIQUE,
  tariff_id            TEXT REFERENCES tariffs (id),
  balance_e7           INTEGER NOT NULL,
  alarm1_e7            INTEGER NOT NULL,
  alarm2_e7            INTEGER NOT NULL,
  overdraft_limit_e7   INTEGER NOT NULL,
  hoarding_limit_e7    INTEGER NOT NULL,
  close_allowed_min_e7 INTEGER NOT NULL,
  protected_reason     TEXT,
  protected_until_ms   INTEGER,
  last_purchase_seq    INTEGER NOT NULL DEFAULT 0,
  extras_json          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extras_json)),
  created_at_ms        INTEGER NOT NULL,
  updated_at_ms        INTEGER NOT NULL
) STRICT;

-- Append-only: a charge, top-up, adjustment or refund is corrected by a new entry, never by an edit.
CREATE TABLE ledger (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id        TEXT NOT NULL REFERENCES accounts (id),
  kind              TEXT NOT NULL CHECK (kind IN ('charge', 'topup', 'adjustment', 'refund')),
  amount_e7         INTEGER NOT NULL, -- signed change to the balance
  balance_after_e7  INTEGER NOT NULL,
  reading_id        INTEGER UNIQUE, -- no foreign key: readings are evicted, charges are kept
  purchase_seq      INTEGER,
  tariff_parts_json TEXT CHECK (tariff_parts_json IS NULL OR json_valid(tariff_parts_json)),
  ref               TEXT,
  at_ms             INTEGER NOT NULL,
  mono_ms           INTEGER NOT NULL,
  CHECK (kind <> 'charge' OR amount_e7 <= 0),
  CHECK (kind <> 'topup' OR (amount_e7 > 0 AND purchase_seq IS NOT NULL)),
  CHECK (reading_id IS NULL OR kind = 'charge'),
  CHECK (purchase_seq IS NULL OR kind = 'topup'),
  UNIQUE (account_id, purchase_seq)
) STRICT;
CREATE INDEX ledger_account ON ledger (account_id, id);
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
-- Each entry must continue the account's balance chain ...
CREATE TRIGGER ledger_chain BEFORE INSERT ON ledger
WHEN NEW.balance_after_e7 IS NOT (SELECT balance_e7 FROM accounts WHERE id = NEW.account_id) + NEW.amount_e7
BEGIN SELECT RAISE(ABORT, 'ledger entry does not continue the account balance'); END;
-- ... and the balance column may only ever take the value of the latest entry, so the two cannot drift.
CREATE TRIGGER accounts_opening_balance BEFORE INSERT ON accounts WHEN NEW.balance_e7 <> 0
BEGIN SELECT RAISE(ABORT, 'accounts open at zero; post an adjustment for an opening balance'); END;
CREATE TRIGGER accounts_balance_follows_ledger BEFORE UPDATE OF balance_e7 ON accounts
WHEN NEW.balance_e7 IS NOT (SELECT balance_after_e7 FROM ledger WHERE account_id = NEW.id ORDER BY id DESC LIMIT 1)
BEGIN SELECT RAISE(ABORT, 'account balance changes only through the ledger'); END;
-- Purchase counts only move forward (DOMAIN.md section 2: equal is a duplicate, lower is rejected).
CREATE TRIGGER accounts_purchase_seq_forward BEFORE UPDATE OF last_purchase_seq ON accounts
WHEN NEW.last_purchase_seq < OLD.last_purchase_seq
BEGIN SELECT RAISE(ABORT, 'purchase count cannot go backwards'); END;

-- Audit of every relay operation (DOMAIN.md section 3). The outcome is filled in once; nothing is deleted.
CREATE TABLE relay_ops (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  meter_id          TEXT NOT NULL,
  account_id        TEXT,
  action            TEXT NOT NULL CHECK (action IN ('cut', 'restore')),
  reason            TEXT NOT NULL,
  requested_by      TEXT NOT NULL,
  command_tx_id     TEXT,
  requested_at_ms   INTEGER NOT NULL,
  requested_mono_ms INTEGER NOT NULL,
  result            TEXT CHECK (result IN ('ok', 'failed', 'readback_mismatch', 'refused')),
  readback          TEXT CHECK (readback IN ('open', 'closed', 'unknown')),
  detail_json       TEXT CHECK (detail_json IS NULL OR json_valid(detail_json)),
  completed_at_ms   INTEGER
) STRICT;
CREATE INDEX relay_ops_meter ON relay_ops (meter_id, id);
CREATE TRIGGER relay_ops_audit BEFORE UPDATE ON relay_ops
WHEN OLD.result IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.meter_id IS NOT OLD.meter_id
  OR NEW.account_id IS NOT OLD.account_id OR NEW.action IS NOT OLD.action OR NEW.reason IS NOT OLD.reason
  OR NEW.requested_by IS NOT OLD.requested_by OR NEW.command_tx_id IS NOT OLD.command_tx_id
  OR NEW.requested_at_ms IS NOT OLD.requested_at_ms OR NEW.requested_mono_ms IS NOT OLD.requested_mono_ms
BEGIN SELECT RAISE(ABORT, 'relay operation audit records are write-once'); END;
CREATE TRIGGER relay_ops_no_delete BEFORE DELETE ON relay_ops
BEGIN SELECT RAISE(ABORT, 'relay operation audit records are never deleted'); END;

CREATE TABLE events (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  type         TEXT NOT NULL,
  severity     TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'alarm', 'critical')),
  meter_id     TEXT,
  account_id   TEXT,
  payload_json TEXT NOT NULL CHECK (json_valid(payload_json)),
  at_ms        INTEGER NOT NULL,
  mono_ms      INTEGER NOT NULL
) STRICT;
CREATE INDEX events_meter ON events (meter_id, id) WHERE meter_id IS NOT NULL;
CREATE INDEX events_account ON events (account_id, id) WHERE account_id IS NOT NULL;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are kept for audit'); END;

-- Transaction ids of accepted platform commands, so a replayed command is refused (DOMAIN.md section 7).
CREATE TABLE commands_seen (
  tx_id      TEXT PRIMARY KEY,
  command    TEXT NOT NULL,
  seen_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX commands_seen_age ON commands_seen (seen_at_ms);
`;

/** All migrations, in version order. Versions start at 1 and have no gaps. */
/**
 * v2: pending outbox records indexed by (stream, id). Within a stream seq and id rise together, so the
 * uplink reads in id order; a lookup of live records (id > the session boundary) then seeks straight
 * past a backlog instead of stepping over it, which made every fetch O(backlog) (npm run bench, figure 4:
 * 151 us CPU per message at a 1M backlog against 27 us at 50k).
 */
const v2 = `
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (stream, id) WHERE delivered_at_ms IS NULL;
`;

/**
 * v3: the result of an executed command, kept with its transaction id so a retry of that transaction is
 * answered with the original result (docs/mqtt.md 6.6), written in the unit of work that executed it.
 */
const v3 = `
ALTER TABLE commands_seen ADD COLUMN result_json TEXT;
`;

/**
 * v4: stream epochs (stream-epochs.ts, docs/mqtt.md 3.1). Every database gets a random epoch when it is
 * created, and an existing one gets its first here, covering every record it already holds, so an upgraded
 * gateway keeps its seq numbering and a replaced database is told apart by its new epoch.
 */
const v4 = `
CREATE TABLE stream_epochs (
  epoch           TEXT PRIMARY KEY CHECK (length(epoch) = 16),
  after_outbox_id INTEGER NOT NULL CHECK (after_outbox_id >= 0),
  first_seq_json  TEXT NOT NULL CHECK (json_valid(first_seq_json)),
  started_at_ms   INTEGER NOT NULL
) STRICT;
INSERT INTO stream_epochs (epoch, after_outbox_id, first_seq_json, started_at_ms)
VALUES (lower(hex(randomblob(8))), 0, '{}', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
CREATE TRIGGER stream_epochs_immutable BEFORE UPDATE ON stream_epochs
BEGIN SELECT RAISE(ABORT, 'stream epochs are never changed'); END;
CREATE TRIGGER stream_epochs_no_delete BEFORE DELETE ON stream_epochs
BEGIN SELECT RAISE(ABORT, 'stream epochs are never deleted'); END;
`;

/**
 * v5 (issue 16, account lifecycle): accounts opened and closed by command, with the platform's customer
 * number; and the order numbers of top-ups and refunds, so each applies exactly once. A refund has its
 * own sequence (退费, like the purchase count of a top-up); `order_no` is the platform's purchase order
 * number (购电单号), unique per kind across the gateway. Rows are written once, never changed.
 */
const v5 = `
ALTER TABLE accounts ADD COLUMN customer_no TEXT;
ALTER TABLE accounts ADD COLUMN closed_at_ms INTEGER;
CREATE TABLE ledger_orders (
  ledger_id  INTEGER PRIMARY KEY REFERENCES ledger (id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  kind       TEXT NOT NULL CHECK (kind IN ('topup', 'refund')),
  seq        INTEGER NOT NULL CHECK (seq >= 1),
  order_no   TEXT,
  UNIQUE (account_id, kind, seq),
  UNIQUE (kind, order_no)
) STRICT;
CREATE TRIGGER ledger_orders_no_update BEFORE UPDATE ON ledger_orders
BEGIN SELECT RAISE(ABORT, 'ledger orders are append-only'); END;
CREATE TRIGGER ledger_orders_no_delete BEFORE DELETE ON ledger_orders
BEGIN SELECT RAISE(ABORT, 'ledger orders are append-only'); END;
CREATE TRIGGER accounts_stay_closed BEFORE UPDATE OF closed_at_ms ON accounts
WHEN OLD.closed_at_ms IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed account stays closed'); END;
`;

export const migrations: readonly Migration[] = [
  { version: 1, name: "initial schema", up: v1 },
  { version: 2, name: "pending outbox by stream and id", up: v2 },
  { version: 3, name: "command results kept with their transaction", up: v3 },
  { version: 4, name: "stream epochs", up: v4 },
  { version: 5, name: "account lifecycle and order numbers", up: v5 },
  { version: 6, name: "ledger by account through its purchase-count index", up: dropLedgerAccountIndex },
  { version: 7, name: "meter billing state in its own table", up: meterStatesTable },
  { version: 8, name: "a ledger entry moves its account's balance", up: ledgerMovesBalance },
];
