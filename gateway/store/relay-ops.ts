/**
 * Audit trail of relay operations (DOMAIN.md section 3: an audit record of every relay operation is table
 * stakes). A record is written when the operation is requested and completed once with its result and
 * the relay's read-back; schema triggers make it write-once and undeletable.
 */
import type { Clock } from "../../core/clock.ts";
import type { Sql } from "./sql.ts";
import { notFound, toJson, wholeMs } from "./sql.ts";

/** `cut` opens the relay (supply off), `restore` closes it. */
export type RelayAction = "cut" | "restore";
/** `refused`: a safeguard (protection, friendly hours, rate limit) stopped it before the meter was touched. */
export type RelayResult = "ok" | "failed" | "readback_mismatch" | "refused";
/** The relay position the meter reported after the operation (DOMAIN.md section 2, read-back). */
export type RelayReadback = "open" | "closed" | "unknown";

/** A relay operation being requested. */
export interface NewRelayOp {
  readonly meterId: string;
  readonly accountId?: string;
  readonly action: RelayAction;
  /** Why, e.g. `credit_exhausted`, `topup`, `remote_command`. */
  readonly reason: string;
  /** Who asked: `prepaid`, `operator:<name>`, `platform`. */
  readonly requestedBy: string;
  /** Transaction id of the platform command that asked for it, if any. */
  readonly commandTxId?: string;
}

/** A stored relay operation. */
export interface RelayOp {
  readonly id: number;
  readonly meterId: string;
  readonly accountId: string | null;
  readonly action: RelayAction;
  readonly reason: string;
  readonly requestedBy: string;
  readonly commandTxId: string | null;
  readonly requestedAtMs: number;
  readonly requestedMonoMs: number;
  /** Null while the operation is in progress. */
  readonly result: RelayResult | null;
  readonly readback: RelayReadback | null;
  readonly detail: unknown;
  readonly completedAtMs: number | null;
}

interface RelayOpRow {
  id: number;
  meter_id: string;
  account_id: string | null;
  action: RelayAction;
  reason: string;
  requested_by: string;
  command_tx_id: string | null;
  requested_at_ms: number;
  requested_mono_ms: number;
  result: RelayResult | null;
  readback: RelayReadback | null;
  detail_json: string | null;
  completed_at_ms: number | null;
}

function toOp(row: RelayOpRow): RelayOp {
  return {
    id: row.id,
    meterId: row.meter_id,
    accountId: row.account_id,
    action: row.action,
    reason: row.reason,
    requestedBy: row.requested_by,
    commandTxId: row.command_tx_id,
    requestedAtMs: row.requested_at_ms,
    requestedMonoMs: row.requested_mono_ms,
    result: row.result,
    readback: row.readback,
    detail: row.detail_json === null ? null : (JSON.parse(row.detail_json) as unknown),
    completedAtMs: row.completed_at_ms,
  };
}

/** Repository of relay operation audit records. */
export class RelayOpRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  /** Records a requested operation before the meter is touched, so a crash mid-operation leaves a trace. */
  request(op: NewRelayOp): RelayOp {
    const info = this.sql
      .stmt(
        `INSERT INTO relay_ops (meter_id, account_id, action, reason, requested_by, command_tx_id,
           requested_at_ms, requested_mono_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        op.meterId,
        op.accountId ?? null,
        op.action,
        op.reason,
        op.requestedBy,
        op.commandTxId ?? null,
        this.clock.now(),
        wholeMs(this.clock.monotonicMs()),
      );
    return this.get(Number(info.lastInsertRowid))!;
  }

  /** Records the outcome; a second completion of the same operation is rejected by the schema. */
  complete(id: number, outcome: { result: RelayResult; readback: RelayReadback; detail?: unknown }): RelayOp {
    const info = this.sql
      .stmt(
        "UPDATE relay_ops SET result = ?, readback = ?, detail_json = ?, completed_at_ms = ? WHERE id = ?",
      )
      .run(outcome.result, outcome.readback, toJson(outcome.detail), this.clock.now(), id);
    if (info.changes === 0) notFound("relay operation", id);
    return this.get(id)!;
  }

  get(id: number): RelayOp | undefined {
    const row = this.sql.stmt<[number], RelayOpRow>("SELECT * FROM relay_ops WHERE id = ?").get(id);
    return row === undefined ? undefined : toOp(row);
  }

  /** Operations without a result, oldest first: after a restart these need a read-back to settle them. */
  pending(): RelayOp[] {
    return this.sql
      .stmt<[], RelayOpRow>("SELECT * FROM relay_ops WHERE result IS NULL ORDER BY id")
      .all()
      .map(toOp);
  }

  /** How many operations were recorded, by action and result (`pending` while without one), for metrics. */
  countsByOutcome(): Array<{ action: string; result: string; count: number }> {
    return this.sql
      .stmt<[], { action: string; result: string; count: number }>(
        "SELECT action, coalesce(result, 'pending') AS result, count(*) AS count FROM relay_ops GROUP BY 1, 2",
      )
      .all();
  }

  /** A meter's operations, newest first, at most `limit` (1..10000). */
  forMeter(meterId: string, limit: number): RelayOp[] {
    return this.sql
      .stmt<[string, number], RelayOpRow>(
        "SELECT * FROM relay_ops WHERE meter_id = ? ORDER BY id DESC LIMIT ?",
      )
      .all(meterId, Math.min(Math.max(1, limit), 10_000))
      .map(toOp);
  }
}
