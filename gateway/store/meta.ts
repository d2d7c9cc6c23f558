/**
 * Two small tables: `commands_seen` for replay protection of platform commands (DOMAIN.md section 7:
 * refuse replays of remote disconnect), and `kv` for gateway-wide counters and markers.
 */
import type { Clock } from "../../core/clock.ts";
import type { Sql } from "./sql.ts";

/** A remembered transaction. */
export interface SeenCommand {
  readonly command: string;
  /** When it executed, epoch ms. */
  readonly seenAtMs: number;
  /** The `result` of its ok response; absent for transactions remembered without one. */
  readonly result?: unknown;
}

/** Remembers command transaction ids. */
export class CommandsSeenRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  /**
   * Records `txId` and returns true the first time; false means a replay that must be refused. Call in the
   * same unit of work as the command's effect, so a command that failed to apply can be retried.
   */
  remember(txId: string, command: string, result?: unknown): boolean {
    return (
      this.sql
        .stmt(
          `INSERT INTO commands_seen (tx_id, command, seen_at_ms, result_json) VALUES (?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
        )
        .run(txId, command, this.clock.now(), result === undefined ? null : JSON.stringify(result))
        .changes === 1
    );
  }

  /** What was remembered of `txId`: its command, when, and its result (when one was kept). */
  get(txId: string): SeenCommand | undefined {
    const row = this.sql
      .stmt<[string], { command: string; seen_at_ms: number; result_json: string | null }>(
        "SELECT command, seen_at_ms, result_json FROM commands_seen WHERE tx_id = ?",
      )
      .get(txId);
    if (row === undefined) return undefined;
    return {
      command: row.command,
      seenAtMs: row.seen_at_ms,
      ...(row.result_json === null ? {} : { result: JSON.parse(row.result_json) as unknown }),
    };
  }

  has(txId: string): boolean {
    return (
      this.sql.stmt<[string], { n: number }>("SELECT 1 AS n FROM commands_seen WHERE tx_id = ?").get(txId) !==
      undefined
    );
  }

  count(): number {
    return this.sql.stmt<[], { n: number }>("SELECT count(*) AS n FROM commands_seen").get()!.n;
  }
}

/** A JSON key-value table. */
export class KvRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  get(key: string): unknown {
    const json = this.getJson(key);
    return json === undefined ? undefined : (JSON.parse(json) as unknown);
  }

  /** The stored JSON text of `key`, unparsed. */
  getJson(key: string): string | undefined {
    return this.sql.stmt<[string], string>("SELECT value_json FROM kv WHERE key = ?").pluck().get(key);
  }

  set(key: string, value: unknown): void {
    this.setJson(key, JSON.stringify(value));
  }

  /** Stores `json`, which must be the JSON text of a value (callers that compare before writing). */
  setJson(key: string, json: string): void {
    this.sql
      .stmt(
        `INSERT INTO kv (key, value_json, updated_at_ms) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at_ms = excluded.updated_at_ms`,
      )
      .run(key, json, this.clock.now());
  }

  /** Adds `by` (default 1) to a numeric counter, creating it at 0, and returns the new value. */
  increment(key: string, by = 1): number {
    const row = this.sql
      .stmt<[{ key: string; by: number; now: number }], { value_json: string }>(
        `INSERT INTO kv (key, value_json, updated_at_ms) VALUES (@key, json(@by), @now)
         ON CONFLICT (key) DO UPDATE SET value_json = json(value_json + @by), updated_at_ms = @now
         RETURNING value_json`,
      )
      .get({ key, by, now: this.clock.now() })!;
    return Number(JSON.parse(row.value_json));
  }

  delete(key: string): void {
    this.sql.stmt("DELETE FROM kv WHERE key = ?").run(key);
  }
}
