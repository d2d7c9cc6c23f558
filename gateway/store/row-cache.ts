/**
 * A write-through cache of rows for a repository on a hot path (accounts: read three or more times per
 * charged reading). It serves rows only inside a transaction and drops everything whenever
 * {@link Sql.cacheGeneration} moves (a rollback here, a commit by another connection), so it is never
 * ahead of or behind the database. The repository must update or delete an entry on every write it makes.
 */
import type { Sql } from "./sql.ts";

export class RowCache<Row> {
  private readonly rows = new Map<string, Row>();
  private generation: number | undefined;

  constructor(private readonly sql: Sql) {}

  /** The cached row, or undefined when it is not cached or the cache cannot be used here. */
  get(key: string): Row | undefined {
    return this.usable() ? this.rows.get(key) : undefined;
  }

  /** Caches a row just read or written in the current transaction; a no-op outside one. */
  set(key: string, row: Row): void {
    if (this.usable()) this.rows.set(key, row);
  }

  /** Forgets a row, e.g. before a write that changes it in ways the caller cannot mirror. */
  delete(key: string): void {
    this.rows.delete(key);
  }

  private usable(): boolean {
    const generation = this.sql.cacheGeneration();
    if (generation === undefined) return false;
    if (generation !== this.generation) {
      this.rows.clear();
      this.generation = generation;
    }
    return true;
  }
}
