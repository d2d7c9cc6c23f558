/**
 * Gateway events (alarms, meter anomalies, relay read-back mismatches). Append-only and kept for audit:
 * retention never touches this table.
 */
import type { Clock } from "../../core/clock.ts";
import type { Sql } from "./sql.ts";
import { wholeMs } from "./sql.ts";

/** How urgent an event is; `alarm` and `critical` are pushed to operators. */
export type EventSeverity = "info" | "warning" | "alarm" | "critical";

/** An event to record. */
export interface NewEvent {
  /** Dotted type, e.g. `meter.offline`, `prepaid.alarm1`, `relay.readback_mismatch`. */
  readonly type: string;
  readonly severity: EventSeverity;
  readonly meterId?: string;
  readonly accountId?: string;
  readonly payload?: unknown;
}

/** A stored event. */
export interface StoredEvent {
  readonly id: number;
  readonly type: string;
  readonly severity: EventSeverity;
  readonly meterId: string | null;
  readonly accountId: string | null;
  readonly payload: unknown;
  readonly atMs: number;
  readonly monoMs: number;
}

interface EventRow {
  id: number;
  type: string;
  severity: EventSeverity;
  meter_id: string | null;
  account_id: string | null;
  payload_json: string;
  at_ms: number;
  mono_ms: number;
}

function toEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    type: row.type,
    severity: row.severity,
    meterId: row.meter_id,
    accountId: row.account_id,
    payload: JSON.parse(row.payload_json) as unknown,
    atMs: row.at_ms,
    monoMs: row.mono_ms,
  };
}

/** Filters for {@link EventRepository.list}. */
export interface EventQuery {
  readonly afterId?: number;
  readonly meterId?: string;
  readonly accountId?: string;
  readonly type?: string;
  /** 1..10000. */
  readonly limit: number;
}

/** Filters for {@link EventRepository.recent}. */
export interface RecentEventQuery {
  readonly beforeId?: number;
  readonly meterId?: string;
  readonly type?: string;
  readonly severity?: EventSeverity;
  /** 1..10000. */
  readonly limit: number;
}

interface RecentEventFilter {
  beforeId: number | null;
  meterId: string | null;
  type: string | null;
  severity: string | null;
  limit: number;
}

interface EventFilter {
  afterId: number;
  meterId: string | null;
  accountId: string | null;
  type: string | null;
  limit: number;
}

/** Repository of events. */
export class EventRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  insert(event: NewEvent): StoredEvent {
    const info = this.sql
      .stmt(
        `INSERT INTO events (type, severity, meter_id, account_id, payload_json, at_ms, mono_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        event.type,
        event.severity,
        event.meterId ?? null,
        event.accountId ?? null,
        JSON.stringify(event.payload ?? {}),
        this.clock.now(),
        wholeMs(this.clock.monotonicMs()),
      );
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): StoredEvent | undefined {
    const row = this.sql.stmt<[number], EventRow>("SELECT * FROM events WHERE id = ?").get(id);
    return row === undefined ? undefined : toEvent(row);
  }

  /** Events in insertion order matching every given filter. */
  list(query: EventQuery): StoredEvent[] {
    return this.sql
      .stmt<[EventFilter], EventRow>(
        `SELECT * FROM events WHERE id > @afterId
           AND (@meterId IS NULL OR meter_id = @meterId) AND (@accountId IS NULL OR account_id = @accountId)
           AND (@type IS NULL OR type = @type)
         ORDER BY id LIMIT @limit`,
      )
      .all({
        afterId: query.afterId ?? 0,
        meterId: query.meterId ?? null,
        accountId: query.accountId ?? null,
        type: query.type ?? null,
        limit: Math.min(Math.max(1, query.limit), 10_000),
      })
      .map(toEvent);
  }

  /** The latest events matching every given filter, newest first, before `beforeId` if given. */
  recent(query: RecentEventQuery): StoredEvent[] {
    return this.sql
      .stmt<[RecentEventFilter], EventRow>(
        `SELECT * FROM events WHERE (@beforeId IS NULL OR id < @beforeId)
           AND (@meterId IS NULL OR meter_id = @meterId) AND (@type IS NULL OR type = @type)
           AND (@severity IS NULL OR severity = @severity)
         ORDER BY id DESC LIMIT @limit`,
      )
      .all({
        beforeId: query.beforeId ?? null,
        meterId: query.meterId ?? null,
        type: query.type ?? null,
        severity: query.severity ?? null,
        limit: Math.min(Math.max(1, query.limit), 10_000),
      })
      .map(toEvent);
  }

  /** Id of the newest event; 0 when there is none. */
  lastId(): number {
    return this.sql.stmt<[], { id: number | null }>("SELECT max(id) AS id FROM events").get()!.id ?? 0;
  }

  count(): number {
    return this.sql.stmt<[], { n: number }>("SELECT count(*) AS n FROM events").get()!.n;
  }
}
