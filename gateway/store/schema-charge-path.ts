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
