/**
 * Meter readings. A poll batch is written in one transaction (DOMAIN.md section 7: one batch per commit is
 * both durable and fast), and a reading becomes evictable only once the outbox record carrying it has
 * been acknowledged.
 */
import type { Sql } from "./sql.ts";
import { fromJson, toJson, wholeMs } from "./sql.ts";

/** A reading as the metering layer hands it over. */
export interface NewReading {
  readonly meterId: string;
  /** Wall-clock time of the poll, epoch ms. */
  readonly atMs: number;
  /** Monotonic time of the poll, ms; fractions are dropped. */
  readonly monoMs: number;
  /** Import (forward active) energy register, whole Wh; a fraction is rejected, not rounded. */
  readonly energyWh: number;
  /** Export energy register, whole Wh, when the meter has one. */
  readonly exportEnergyWh?: number;
  readonly voltageV?: number;
  readonly currentA?: number;
  readonly powerW?: number;
  readonly powerFactor?: number;
  readonly frequencyHz?: number;
  /** Further quantities (per-phase values and the like), stored as JSON. */
  readonly extra?: Readonly<Record<string, number>>;
  /** Quality bit flags, one bit per flag (qualityFlagBits in gateway/metering/reading.ts). Default 0 (good). */
  readonly qualityFlags?: number;
}

/** A stored reading. */
export interface StoredReading extends NewReading {
  readonly id: number;
  readonly qualityFlags: number;
  readonly outboxId: number | null;
  readonly deliveredAtMs: number | null;
}

interface ReadingRow {
  id: number;
  meter_id: string;
  at_ms: number;
  mono_ms: number;
  energy_wh: number;
  export_energy_wh: number | null;
  voltage_v: number | null;
  current_a: number | null;
  power_w: number | null;
  power_factor: number | null;
  frequency_hz: number | null;
  extra_json: string | null;
  quality_flags: number;
  outbox_id: number | null;
  delivered_at_ms: number | null;
}

function toReading(row: ReadingRow): StoredReading {
  const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
  return {
    id: row.id,
    meterId: row.meter_id,
    atMs: row.at_ms,
    monoMs: row.mono_ms,
    energyWh: row.energy_wh,
    exportEnergyWh: optional(row.export_energy_wh),
    voltageV: optional(row.voltage_v),
    currentA: optional(row.current_a),
    powerW: optional(row.power_w),
    powerFactor: optional(row.power_factor),
    frequencyHz: optional(row.frequency_hz),
    extra: fromJson(row.extra_json) as Record<string, number> | undefined,
    qualityFlags: row.quality_flags,
    outboxId: row.outbox_id,
    deliveredAtMs: row.delivered_at_ms,
  };
}

/** Reading counts, for health metrics and retention. */
export interface ReadingCounts {
  readonly total: number;
  readonly undelivered: number;
}

/** Repository of meter readings. */
export class ReadingRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Stores a poll batch atomically and returns the new ids in input order. `outboxId`: the outbox record
   * that carries them, already enqueued in this unit of work (instead of a {@link linkOutbox} per row).
   *
   * One single-row INSERT per reading, deliberately: a multi-row INSERT makes SQLite keep a statement
   * journal of the index pages it touches that earlier statements had changed; past 64 KiB it spills to
   * a temp file, and every statement after it in the transaction (ledger, outbox) then paid write
   * syscalls (measured: 8 % more CPU per charged reading, npm run bench figure 3a).
   */
  insertBatch(batch: readonly NewReading[], outboxId?: number): number[] {
    const insert = this.sql.stmt(
      `INSERT INTO readings (meter_id, at_ms, mono_ms, energy_wh, export_energy_wh, voltage_v, current_a,
         power_w, power_factor, frequency_hz, extra_json, quality_flags, outbox_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.sql.atomic(() =>
      batch.map((r) => {
        const info = insert.run(
          r.meterId,
          r.atMs,
          wholeMs(r.monoMs),
          r.energyWh,
          r.exportEnergyWh ?? null,
          r.voltageV ?? null,
          r.currentA ?? null,
          r.powerW ?? null,
          r.powerFactor ?? null,
          r.frequencyHz ?? null,
          toJson(r.extra),
          r.qualityFlags ?? 0,
          outboxId ?? null,
        );
        return Number(info.lastInsertRowid);
      }),
    );
  }

  /**
   * The id the next stored reading gets (inside a unit of work, which holds the write lock): AUTOINCREMENT
   * takes one more than the larger of the highest id ever used and the highest id present.
   */
  nextId(): number {
    return (
      this.sql
        .stmt<[], number>(
          `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'readings'), 0),
                      coalesce((SELECT max(id) FROM readings), 0)) + 1`,
        )
        .pluck()
        .get() ?? 1
    );
  }

  /**
   * Records that these readings travel in outbox record `outboxId`; they count as delivered when it is.
   * Call inside the same unit of work as the insert and the enqueue.
   *
   * One small UPDATE per reading rather than one over the whole batch. Inside a transaction SQLite keeps
   * a statement journal (the pages a statement changes, so that statement alone can be undone); past
   * 64 KiB it spills to a temp file, which stays a file for every later statement until the commit. The
   * batch-wide UPDATE spilled early in each ingest, and the thousands of statements after it (ledger,
   * outbox, kv) then paid a write syscall per journalled page: a fifth of the ingest's CPU (npm run bench,
   * figure 3).
   */
  linkOutbox(readingIds: readonly number[], outboxId: number): void {
    const link = this.sql.stmt("UPDATE readings SET outbox_id = ? WHERE id = ?");
    for (const id of readingIds) link.run(outboxId, id);
  }

  get(id: number): StoredReading | undefined {
    const row = this.sql.stmt<[number], ReadingRow>("SELECT * FROM readings WHERE id = ?").get(id);
    return row === undefined ? undefined : toReading(row);
  }

  /** The newest stored reading of a meter (by insertion), e.g. to resume energy deltas after a restart. */
  latestForMeter(meterId: string): StoredReading | undefined {
    const row = this.sql
      .stmt<[string], ReadingRow>("SELECT * FROM readings WHERE meter_id = ? ORDER BY id DESC LIMIT 1")
      .get(meterId);
    return row === undefined ? undefined : toReading(row);
  }

  /** The oldest stored reading of a meter (by insertion), e.g. to open its first daily freeze. */
  firstForMeter(meterId: string): StoredReading | undefined {
    const row = this.sql
      .stmt<[string], ReadingRow>("SELECT * FROM readings WHERE meter_id = ? ORDER BY id LIMIT 1")
      .get(meterId);
    return row === undefined ? undefined : toReading(row);
  }

  /**
   * The meter's last reading taken at or before `atMs` and the first one after it (by insertion order,
   * which follows time within a run), for comparing with what the meter froze at `atMs`.
   */
  around(meterId: string, atMs: number): { before?: StoredReading; after?: StoredReading } {
    const before = this.sql
      .stmt<[string, number], ReadingRow>(
        "SELECT * FROM readings WHERE meter_id = ? AND at_ms <= ? ORDER BY id DESC LIMIT 1",
      )
      .get(meterId, atMs);
    const after = this.sql
      .stmt<[string, number], ReadingRow>(
        "SELECT * FROM readings WHERE meter_id = ? AND id > ? ORDER BY id LIMIT 1",
      )
      .get(meterId, before?.id ?? 0);
    return {
      ...(before === undefined ? {} : { before: toReading(before) }),
      ...(after === undefined ? {} : { after: toReading(after) }),
    };
  }

  /** A meter's readings in insertion order, after `afterId`, at most `limit` (1..10000). */
  listForMeter(meterId: string, options: { afterId?: number; limit: number }): StoredReading[] {
    return this.sql
      .stmt<[string, number, number], ReadingRow>(
        "SELECT * FROM readings WHERE meter_id = ? AND id > ? ORDER BY id LIMIT ?",
      )
      .all(meterId, options.afterId ?? 0, Math.min(Math.max(1, options.limit), 10_000))
      .map(toReading);
  }

  /** A meter's readings polled at or after `sinceMs` (epoch ms), oldest first, at most `limit` (1..10000, the newest kept). */
  forMeterSince(meterId: string, sinceMs: number, limit: number): StoredReading[] {
    return this.sql
      .stmt<[string, number, number], ReadingRow>(
        `SELECT * FROM (SELECT * FROM readings WHERE meter_id = ? AND at_ms >= ? ORDER BY id DESC LIMIT ?)
         ORDER BY id`,
      )
      .all(meterId, sinceMs, Math.min(Math.max(1, limit), 10_000))
      .map(toReading);
  }

  counts(): ReadingCounts {
    return this.sql
      .stmt<[], ReadingCounts>(
        `SELECT count(*) AS total, count(*) - count(delivered_at_ms) AS undelivered FROM readings`,
      )
      .get()!;
  }
}
