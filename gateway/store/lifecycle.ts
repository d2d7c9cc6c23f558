/**
 * The account lifecycle as stored (issue 16): the platform's customer number and the closing of an
 * account (a closed account stays closed; its ledger is kept), and the order numbers that make each
 * top-up and refund apply exactly once (table `ledger_orders`, schema v4). Balances still move only
 * through {@link LedgerRepository.post}; this repository never touches them.
 */
import type { Clock } from "../../core/clock.ts";
import type { Sql } from "./sql.ts";

/** Kinds of ledger entry that carry a sequence and an order number. */
export type OrderKind = "topup" | "refund";

/** A stored order: the ledger entry it posted, its sequence and the platform's order number. */
export interface LedgerOrder {
  readonly ledgerId: number;
  readonly accountId: string;
  readonly kind: OrderKind;
  /** Purchase count (top-up) or refund count (refund), >= 1. */
  readonly seq: number;
  /** Platform purchase order number (购电单号), or null when the sender gave none. */
  readonly orderNo: string | null;
}

/** An account's lifecycle facts. */
export interface AccountLifecycle {
  readonly customerNo: string | null;
  /** When the account was closed, epoch ms; null while open. */
  readonly closedAtMs: number | null;
}

interface OrderRow {
  ledger_id: number;
  account_id: string;
  kind: OrderKind;
  seq: number;
  order_no: string | null;
}

const toOrder = (row: OrderRow): LedgerOrder => ({
  ledgerId: row.ledger_id,
  accountId: row.account_id,
  kind: row.kind,
  seq: row.seq,
  orderNo: row.order_no,
});

/** Repository of the account lifecycle and of order numbers. */
export class LifecycleRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  /** Customer number and closing time of an account (undefined for an unknown account). */
  get(accountId: string): AccountLifecycle | undefined {
    const row = this.sql
      .stmt<[string], { customer_no: string | null; closed_at_ms: number | null }>(
        "SELECT customer_no, closed_at_ms FROM accounts WHERE id = ?",
      )
      .get(accountId);
    return row === undefined ? undefined : { customerNo: row.customer_no, closedAtMs: row.closed_at_ms };
  }

  /** Records the platform's customer number (户号) of an account. */
  setCustomerNo(accountId: string, customerNo: string): void {
    this.sql.stmt("UPDATE accounts SET customer_no = ? WHERE id = ?").run(customerNo, accountId);
  }

  /** Closes an account for good (a trigger refuses to reopen or re-close it); returns the time, epoch ms. */
  close(accountId: string): number {
    const now = this.nowMs();
    this.sql.stmt("UPDATE accounts SET closed_at_ms = ? WHERE id = ?").run(now, accountId);
    return now;
  }

  /** The store's clock now, epoch ms, whole (the time a close is stamped with). */
  nowMs(): number {
    return Math.floor(this.clock.now());
  }

  /** Ids of closed accounts. */
  closedIds(): string[] {
    return this.sql
      .stmt<[], { id: string }>("SELECT id FROM accounts WHERE closed_at_ms IS NOT NULL ORDER BY id")
      .all()
      .map((r) => r.id);
  }

  /** Open accounts bound to a meter by `account.open`: meter id -> account id. */
  boundMeters(): Map<string, string> {
    const rows = this.sql
      .stmt<[], { id: string; meter_id: string }>(
        "SELECT id, meter_id FROM accounts WHERE meter_id IS NOT NULL AND closed_at_ms IS NULL",
      )
      .all();
    return new Map(rows.map((r) => [r.meter_id, r.id]));
  }

  /** Remembers the order behind a ledger entry just posted (same unit of work). */
  recordOrder(order: LedgerOrder): void {
    this.sql
      .stmt("INSERT INTO ledger_orders (ledger_id, account_id, kind, seq, order_no) VALUES (?, ?, ?, ?, ?)")
      .run(order.ledgerId, order.accountId, order.kind, order.seq, order.orderNo);
  }

  /** The order of an account's `kind` with sequence `seq`, if applied. */
  findBySeq(accountId: string, kind: OrderKind, seq: number): LedgerOrder | undefined {
    const row = this.sql
      .stmt<[string, string, number], OrderRow>(
        "SELECT * FROM ledger_orders WHERE account_id = ? AND kind = ? AND seq = ?",
      )
      .get(accountId, kind, seq);
    return row === undefined ? undefined : toOrder(row);
  }

  /** The order of `kind` with the platform order number `orderNo`, on any account, if applied. */
  findByOrderNo(kind: OrderKind, orderNo: string): LedgerOrder | undefined {
    const row = this.sql
      .stmt<[string, string], OrderRow>("SELECT * FROM ledger_orders WHERE kind = ? AND order_no = ?")
      .get(kind, orderNo);
    return row === undefined ? undefined : toOrder(row);
  }

  /** The highest applied sequence of an account's `kind` (0 before the first). */
  lastSeq(accountId: string, kind: OrderKind): number {
    const row = this.sql
      .stmt<[string, string], { n: number | null }>(
        "SELECT max(seq) AS n FROM ledger_orders WHERE account_id = ? AND kind = ?",
      )
      .get(accountId, kind);
    return row?.n ?? 0;
  }
}
