/**
 * The billing ledger: append-only (schema triggers reject UPDATE and DELETE) and chained, each entry
 * carrying the balance after it. {@link LedgerRepository.post} is the only way an account balance changes.
 */
import type { Clock } from "../../core/clock.ts";
import type { AccountRepository } from "./accounts.ts";
import type { Sql } from "./sql.ts";
import { notFound, toJson, wholeMs } from "./sql.ts";

/** Entry kinds. Charges are negative, top-ups positive; adjustments and refunds may be either. */
export type LedgerKind = "charge" | "topup" | "adjustment" | "refund";

/** An entry to post. */
export interface NewLedgerEntry {
  readonly accountId: string;
  readonly kind: LedgerKind;
  /** Signed change to the balance, 1e-7 yuan, a safe integer. */
  readonly amountE7: number;
  /** The reading this charge bills; a reading is charged at most once (UNIQUE). Charges only. */
  readonly readingId?: number;
  /** Purchase count (DI 03330201) of a top-up; must exceed the account's last one. Top-ups only. */
  readonly purchaseSeq?: number;
  /** Price breakdown of a charge (rate period, tier, price), as the prepaid domain computed it. */
  readonly tariffParts?: unknown;
  /** External reference: platform transaction id, operator note. */
  readonly ref?: string;
}

/** A posted entry. */
export interface LedgerEntry {
  readonly id: number;
  readonly accountId: string;
  readonly kind: LedgerKind;
  readonly amountE7: number;
  readonly balanceAfterE7: number;
  readonly readingId: number | null;
  readonly purchaseSeq: number | null;
  readonly tariffParts: unknown;
  readonly ref: string | null;
  readonly atMs: number;
  readonly monoMs: number;
}

/** Outcome of {@link LedgerRepository.chargeReading}. */
export interface ChargeResult {
  readonly entry: LedgerEntry;
  /** True when the reading had already been charged: `entry` is that earlier charge, nothing was posted. */
  readonly duplicate: boolean;
}

interface LedgerRow {
  id: number;
  account_id: string;
  kind: LedgerKind;
  amount_e7: number;
  balance_after_e7: number;
  reading_id: number | null;
  purchase_seq: number | null;
  tariff_parts_json: string | null;
  ref: string | null;
  at_ms: number;
  mono_ms: number;
}

function toEntry(row: LedgerRow): LedgerEntry {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind,
    amountE7: row.amount_e7,
    balanceAfterE7: row.balance_after_e7,
    readingId: row.reading_id,
    purchaseSeq: row.purchase_seq,
    tariffParts: row.tariff_parts_json === null ? null : (JSON.parse(row.tariff_parts_json) as unknown),
    ref: row.ref,
    atMs: row.at_ms,
    monoMs: row.mono_ms,
  };
}

/**
 * An account's entries (`@account`) matching `rest` (a condition, then ORDER BY and LIMIT), as the union of
 * the two ranges of the account in the UNIQUE (account_id, purchase_seq) index (store migration v6, which
 * dropped the by-account index): entries without a purchase count, in id order, and top-ups, which an
 * account has few of. Each range is read only as far as `rest` needs.
 */
function byAccount(rest: string): string {
  return `SELECT * FROM (SELECT * FROM ledger WHERE account_id = @account AND purchase_seq IS NULL AND ${rest})
    UNION ALL
    SELECT * FROM (SELECT * FROM ledger WHERE account_id = @account AND purchase_seq IS NOT NULL AND ${rest})`;
}

/** Repository of ledger entries. */
export class LedgerRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
    /** Told about every balance this repository moves, to keep its cache current. */
    private readonly accounts: AccountRepository,
  ) {}

  /**
   * Appends an entry and moves the account balance (and, for a top-up, its purchase count) with it, in one
   * transaction that joins the caller's unit of work. Throws on a constraint violation: unknown account,
   * reading already charged, purchase count not ahead, fractional amount.
   */
  post(entry: NewLedgerEntry): LedgerEntry {
    return this.sql.atomic(() => this.append(entry, false)!);
  }

  /**
   * {@link post}; with `skipChargedReading`, an entry whose reading is already charged is not written
   * (the INSERT does nothing on the reading_id conflict) and undefined is returned.
   */
  private append(entry: NewLedgerEntry, skipChargedReading: boolean): LedgerEntry | undefined {
    // Through the write-through account cache (one statement less per charge, and the account is then
    // cached for the balance checks that follow); the ledger_chain trigger still checks the balance in SQL.
    const account = this.accounts.get(entry.accountId);
    if (account === undefined) notFound("account", entry.accountId);
    const now = this.clock.now();
    const monoMs = wholeMs(this.clock.monotonicMs());
    const balanceAfterE7 = account.balanceE7 + entry.amountE7;
    const info = this.sql
      .stmt(
        `INSERT INTO ledger (account_id, kind, amount_e7, balance_after_e7, reading_id, purchase_seq,
             tariff_parts_json, ref, at_ms, mono_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${skipChargedReading ? " ON CONFLICT (reading_id) DO NOTHING" : ""}`,
      )
      .run(
        entry.accountId,
        entry.kind,
        entry.amountE7,
        balanceAfterE7,
        entry.readingId ?? null,
        entry.purchaseSeq ?? null,
        toJson(entry.tariffParts),
        entry.ref ?? null,
        now,
        monoMs,
      );
    // The ledger_moves_balance trigger has moved the account's balance (store migration v8).
    if (info.changes === 0) return undefined;
    this.accounts.posted(entry.accountId, balanceAfterE7, entry.purchaseSeq, now);
    // What was just written, without reading it back and re-parsing its JSON (a hot path: one per reading).
    return {
      id: Number(info.lastInsertRowid),
      accountId: entry.accountId,
      kind: entry.kind,
      amountE7: entry.amountE7,
      balanceAfterE7,
      readingId: entry.readingId ?? null,
      purchaseSeq: entry.purchaseSeq ?? null,
      tariffParts: entry.tariffParts === undefined ? null : entry.tariffParts,
      ref: entry.ref ?? null,
      atMs: now,
      monoMs,
    };
  }

  /**
   * Posts the charge for a reading unless that reading was already charged, which is normal after a
   * restart replays the last poll; the UNIQUE constraint on reading_id backs this check.
   */
  chargeReading(
    entry: NewLedgerEntry & { readonly kind: "charge"; readonly readingId: number },
  ): ChargeResult {
    return this.sql.atomic(() => {
      // Insert first and look only when the reading was charged already: one statement less per charge.
      const posted = this.append(entry, true);
      if (posted !== undefined) return { entry: posted, duplicate: false };
      return { entry: this.findByReading(entry.readingId)!, duplicate: true };
    });
  }

  get(id: number): LedgerEntry | undefined {
    const row = this.sql.stmt<[number], LedgerRow>("SELECT * FROM ledger WHERE id = ?").get(id);
    return row === undefined ? undefined : toEntry(row);
  }

  findByReading(readingId: number): LedgerEntry | undefined {
    const row = this.sql
      .stmt<[number], LedgerRow>("SELECT * FROM ledger WHERE reading_id = ?")
      .get(readingId);
    return row === undefined ? undefined : toEntry(row);
  }

  /** The top-up that applied purchase `purchaseSeq` of an account, if the ledger has one. */
  findTopUp(accountId: string, purchaseSeq: number): LedgerEntry | undefined {
    const row = this.sql
      .stmt<[string, number], LedgerRow>(
        "SELECT * FROM ledger WHERE account_id = ? AND kind = 'topup' AND purchase_seq = ? ORDER BY id LIMIT 1",
      )
      .get(accountId, purchaseSeq);
    return row === undefined ? undefined : toEntry(row);
  }

  /** An account's entries in posting order, after `afterId`, at most `limit` (1..10000). */
  forAccount(accountId: string, options: { afterId?: number; limit: number }): LedgerEntry[] {
    return this.sql
      .stmt<[{ account: string; after: number; limit: number }], LedgerRow>(
        `SELECT * FROM (${byAccount("id > @after ORDER BY id LIMIT @limit")}) ORDER BY id LIMIT @limit`,
      )
      .all({
        account: accountId,
        after: options.afterId ?? 0,
        limit: Math.min(Math.max(1, options.limit), 10_000),
      })
      .map(toEntry);
  }

  /** An account's latest entries, newest first, at most `limit` (1..10000). */
  recentForAccount(accountId: string, limit: number): LedgerEntry[] {
    return this.sql
      .stmt<[{ account: string; limit: number }], LedgerRow>(
        `SELECT * FROM (${byAccount("true ORDER BY id DESC LIMIT @limit")}) ORDER BY id DESC LIMIT @limit`,
      )
      .all({ account: accountId, limit: Math.min(Math.max(1, limit), 10_000) })
      .map(toEntry);
  }

  /** Number of entries, for all accounts or one. */
  count(accountId?: string): number {
    const row =
      accountId === undefined
        ? this.sql.stmt<[], { n: number }>("SELECT count(*) AS n FROM ledger").get()
        : this.sql
            .stmt<[string], { n: number }>("SELECT count(*) AS n FROM ledger WHERE account_id = ?")
            .get(accountId);
    return row?.n ?? 0;
  }
}
