/**
 * Stream epochs (docs/mqtt.md 3.1): the random id that tells one database's numbering of the uplink
 * streams from another's. `seq` and the idempotency keys restart when a database is replaced under the
 * same gateway id (new SD card) or repeat when an old backup is restored, so a platform deduplicates and
 * detects gaps per (stream, epoch). An epoch covers the outbox records with an id above its
 * `afterOutboxId`, up to the next epoch's; the first is created with the database (migration v4).
 */
import type { Clock } from "../../core/clock.ts";
import type { Sql } from "./sql.ts";

/** One epoch of this database's streams. */
export interface StreamEpoch {
  /** 16 lowercase hex digits (64 random bits, SQLite randomblob). */
  readonly epoch: string;
  /** The epoch covers outbox records with an id above this one (0 for the database's first epoch). */
  readonly afterOutboxId: number;
  /** Per stream, the first seq of this epoch (absent: 1, the database's first epoch). */
  readonly firstSeq: Readonly<Record<string, number>>;
  /** When it started, epoch ms. */
  readonly startedAtMs: number;
}

interface EpochRow {
  epoch: string;
  after_outbox_id: number;
  first_seq_json: string;
  started_at_ms: number;
}

/** The epochs of this database, oldest first. */
export class StreamEpochRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  /** Every epoch, oldest first; never empty on a migrated database. */
  list(): StreamEpoch[] {
    return this.sql
      .stmt<[], EpochRow>("SELECT * FROM stream_epochs ORDER BY rowid")
      .all()
      .map((row) => ({
        epoch: row.epoch,
        afterOutboxId: row.after_outbox_id,
        firstSeq: JSON.parse(row.first_seq_json) as Record<string, number>,
        startedAtMs: row.started_at_ms,
      }));
  }

  /**
   * Starts a new epoch for the records with an id above `afterOutboxId` (those already queued above it
   * included) and returns it. Joins the caller's unit of work.
   */
  start(afterOutboxId: number, firstSeq: Readonly<Record<string, number>>): StreamEpoch {
    const row = this.sql
      .stmt<[number, string, number], EpochRow>(
        `INSERT INTO stream_epochs (epoch, after_outbox_id, first_seq_json, started_at_ms)
         VALUES (lower(hex(randomblob(8))), ?, ?, ?) RETURNING *`,
      )
      .get(afterOutboxId, JSON.stringify(firstSeq), this.clock.now())!;
    return { epoch: row.epoch, afterOutboxId, firstSeq: { ...firstSeq }, startedAtMs: row.started_at_ms };
  }
}
