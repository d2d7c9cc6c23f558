/**
 * Tariff definitions. The store keeps the definition as JSON and does not interpret it: the prepaid
 * domain owns tariff kinds (flat, time-of-use, tiered) and validates them before they get here.
 */
import type { Clock } from "../../core/clock.ts";
import type { Sql } from "./sql.ts";

/** A stored tariff. */
export interface Tariff {
  readonly id: string;
  /** Tariff kind as named by the prepaid domain, e.g. `flat`, `tou`, `tiered`. */
  readonly kind: string;
  readonly definition: unknown;
  readonly updatedAtMs: number;
}

interface TariffRow {
  id: string;
  kind: string;
  definition_json: string;
  updated_at_ms: number;
}

function toTariff(row: TariffRow): Tariff {
  return {
    id: row.id,
    kind: row.kind,
    definition: JSON.parse(row.definition_json) as unknown,
    updatedAtMs: row.updated_at_ms,
  };
}

/** Repository of tariffs. */
export class TariffRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  /** Creates or replaces a tariff. Ledger entries keep their own price breakdown, so history is unaffected. */
  upsert(id: string, kind: string, definition: unknown): Tariff {
    this.sql
      .stmt(
        `INSERT INTO tariffs (id, kind, definition_json, updated_at_ms) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, definition_json = excluded.definition_json,
           updated_at_ms = excluded.updated_at_ms`,
      )
      .run(id, kind, JSON.stringify(definition), this.clock.now());
    return this.get(id)!;
  }

  get(id: string): Tariff | undefined {
    const row = this.sql.stmt<[string], TariffRow>("SELECT * FROM tariffs WHERE id = ?").get(id);
    return row === undefined ? undefined : toTariff(row);
  }

  list(): Tariff[] {
    return this.sql.stmt<[], TariffRow>("SELECT * FROM tariffs ORDER BY id").all().map(toTariff);
  }
}
