/**
 * Prepaid accounts. The balance column is read here but written only by {@link LedgerRepository.post}:
 * schema triggers make an account open at zero and refuse any balance that is not the latest ledger
 * entry's balance-after, so the balance can always be explained entry by entry. Inside a transaction,
 * accounts are served from a write-through cache (read three or more times per charged reading).
 */
import type { Clock } from "../../core/clock.ts";
import { RowCache } from "./row-cache.ts";
import type { Sql } from "./sql.ts";
import { notFound } from "./sql.ts";

/** Cost-control thresholds (DOMAIN.md section 2), all in 1e-7 yuan. */
export interface AccountThresholds {
  /** Alarm amount 1 (DI 04001001). */
  readonly alarm1E7: number;
  /** Alarm amount 2 (DI 04001002). */
  readonly alarm2E7: number;
  /** How far below zero usage may continue (DI 04001003), a positive amount. */
  readonly overdraftLimitE7: number;
  /** Top-ups that would lift the balance above this are refused (DI 04001004). */
  readonly hoardingLimitE7: number;
  /** Balance the account must exceed before the relay may close again (DI 04001005). */
  readonly closeAllowedMinE7: number;
}

/** Keep-power (protected) state: never cut while it holds. */
export interface AccountProtection {
  readonly reason: string;
  /** Wall-clock end, epoch ms; null for "until released". */
  readonly untilMs: number | null;
}

/** The fields a caller sets when opening an account. The balance always starts at zero. */
export interface NewAccount {
  readonly id: string;
  readonly meterId?: string;
  readonly tariffId?: string;
  readonly thresholds: AccountThresholds;
  readonly protection?: AccountProtection;
  readonly extras?: Readonly<Record<string, unknown>>;
}

/** A stored account. */
export interface Account {
  readonly id: string;
  readonly meterId: string | null;
  readonly tariffId: string | null;
  readonly balanceE7: number;
  readonly thresholds: AccountThresholds;
  readonly protection: AccountProtection | null;
  /** Purchase count of the last applied top-up (DI 03330201); 0 before the first. */
  readonly lastPurchaseSeq: number;
  readonly extras: Readonly<Record<string, unknown>>;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** Settings that may change after opening; omitted fields keep their value, `null` clears. */
export interface AccountSettingsPatch {
  readonly meterId?: string | null;
  readonly tariffId?: string | null;
  readonly thresholds?: Partial<AccountThresholds>;
  readonly protection?: AccountProtection | null;
  readonly extras?: Readonly<Record<string, unknown>>;
}

interface AccountRow {
  id: string;
  meter_id: string | null;
  tariff_id: string | null;
  balance_e7: number;
  alarm1_e7: number;
  alarm2_e7: number;
  overdraft_limit_e7: number;
  hoarding_limit_e7: number;
  close_allowed_min_e7: number;
  protected_reason: string | null;
  protected_until_ms: number | null;
  last_purchase_seq: number;
  extras_json: string;
  created_at_ms: number;
  updated_at_ms: number;
}

function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    meterId: row.meter_id,
    tariffId: row.tariff_id,
    balanceE7: row.balance_e7,
    thresholds: {
      alarm1E7: row.alarm1_e7,
      alarm2E7: row.alarm2_e7,
      overdraftLimitE7: row.overdraft_limit_e7,
      hoardingLimitE7: row.hoarding_limit_e7,
      closeAllowedMinE7: row.close_allowed_min_e7,
    },
    protection:
      row.protected_reason === null
        ? null
        : { reason: row.protected_reason, untilMs: row.protected_until_ms },
    lastPurchaseSeq: row.last_purchase_seq,
    extras: JSON.parse(row.extras_json) as Record<string, unknown>,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

/** Repository of prepaid accounts. */
export class AccountRepository {
  /** Accounts by id, inside transactions (see {@link RowCache}); kept current by every write below. */
  private readonly cache: RowCache<Account>;

  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {
    this.cache = new RowCache(sql);
  }

  /** Opens an account at zero balance; post an `adjustment` in the same unit of work for an opening balance. */
  create(account: NewAccount): Account {
    const now = this.clock.now();
    const t = account.thresholds;
    this.sql
      .stmt(
        `INSERT INTO accounts (id, meter_id, tariff_id, balance_e7, alarm1_e7, alarm2_e7, overdraft_limit_e7,
           hoarding_limit_e7, close_allowed_min_e7, protected_reason, protected_until_ms, extras_json,
           created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        account.id,
        account.meterId ?? null,
        account.tariffId ?? null,
        t.alarm1E7,
        t.alarm2E7,
        t.overdraftLimitE7,
        t.hoardingLimitE7,
        t.closeAllowedMinE7,
        account.protection?.reason ?? null,
        account.protection?.untilMs ?? null,
        JSON.stringify(account.extras ?? {}),
        now,
        now,
      );
    return this.require(account.id);
  }

  get(id: string): Account | undefined {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const row = this.sql.stmt<[string], AccountRow>("SELECT * FROM accounts WHERE id = ?").get(id);
    if (row === undefined) return undefined;
    const account = toAccount(row);
    this.cache.set(id, account);
    return account;
  }

  /** Like {@link get} but a missing account is a caller bug and throws. */
  require(id: string): Account {
    return this.get(id) ?? notFound("account", id);
  }

  /**
   * Mirrors in the cache what {@link LedgerRepository.post} just wrote to an account row (the one write to
   * this table made outside this repository), so the next read needs no query.
   */
  posted(id: string, balanceE7: number, purchaseSeq: number | undefined, atMs: number): void {
    const cached = this.cache.get(id);
    if (cached === undefined) return;
    this.cache.set(id, {
      ...cached,
      balanceE7,
      lastPurchaseSeq: purchaseSeq ?? cached.lastPurchaseSeq,
      updatedAtMs: atMs,
    });
  }

  findByMeter(meterId: string): Account | undefined {
    const row = this.sql.stmt<[string], AccountRow>("SELECT * FROM accounts WHERE meter_id = ?").get(meterId);
    return row === undefined ? undefined : toAccount(row);
  }

  list(): Account[] {
    return this.sql.stmt<[], AccountRow>("SELECT * FROM accounts ORDER BY id").all().map(toAccount);
  }

  /** Changes settings (never the balance or purchase count) and returns the updated account. */
  updateSettings(id: string, patch: AccountSettingsPatch): Account {
    return this.sql.atomic(() => {
      const current = this.require(id);
      const t = { ...current.thresholds, ...patch.thresholds };
      const protection = patch.protection === undefined ? current.protection : patch.protection;
      this.sql
        .stmt(
          `UPDATE accounts SET meter_id = ?, tariff_id = ?, alarm1_e7 = ?, alarm2_e7 = ?, overdraft_limit_e7 = ?,
             hoarding_limit_e7 = ?, close_allowed_min_e7 = ?, protected_reason = ?, protected_until_ms = ?,
             extras_json = ?, updated_at_ms = ?
           WHERE id = ?`,
        )
        .run(
          patch.meterId === undefined ? current.meterId : patch.meterId,
          patch.tariffId === undefined ? current.tariffId : patch.tariffId,
          t.alarm1E7,
          t.alarm2E7,
          t.overdraftLimitE7,
          t.hoardingLimitE7,
          t.closeAllowedMinE7,
          protection?.reason ?? null,
          protection?.untilMs ?? null,
          JSON.stringify(patch.extras ?? current.extras),
          this.clock.now(),
          id,
        );
      this.cache.delete(id);
      return this.require(id);
    });
  }
}
