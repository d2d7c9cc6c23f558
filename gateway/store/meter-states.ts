/**
 * Each meter's billing state (store migration v7): its plausibility track in plain columns, because it
 * moves with every charged reading and is written in the same unit of work as the charge, and the rest
 * of the state as JSON, which changes far less often. The billing engine (gateway/billing/state.ts)
 * decides what the state holds; this is only how it is kept.
 */
import type { Clock } from "../../core/clock.ts";
import { wholeMs, type Sql } from "./sql.ts";

/**
 * The track as stored: the shape of gateway/prepaid's MeterTrack (kept in step there by a type check).
 * Times are epoch or monotonic ms, energy Wh.
 */
export interface StoredTrack {
  readonly energyWh: number;
  readonly wallMs: number;
  readonly monoMs: number;
  readonly lastClock: { readonly wallMs: number; readonly monoMs: number; readonly run?: string };
  readonly lastAdvanceMonoMs: number;
  readonly stopped: boolean;
  readonly holds: number;
  readonly clockUnset?: true | undefined;
}

/** A meter's stored state: the track (undefined: none) and the JSON text of everything else. */
export interface StoredMeterState {
  readonly track: StoredTrack | undefined;
  readonly otherJson: string;
}

interface MeterStateRow {
  energy_wh: number | null;
  wall_ms: number;
  mono_ms: number;
  clock_wall_ms: number;
  clock_mono_ms: number;
  clock_run: string | null;
  last_advance_mono_ms: number;
  stopped: number;
  holds: number;
  clock_unset: number;
  other_json: string;
}

function toTrack(row: MeterStateRow): StoredTrack | undefined {
  if (row.energy_wh === null) return undefined;
  const lastClock = { wallMs: row.clock_wall_ms, monoMs: row.clock_mono_ms };
  return {
    energyWh: row.energy_wh,
    wallMs: row.wall_ms,
    monoMs: row.mono_ms,
    lastClock: row.clock_run === null ? lastClock : { ...lastClock, run: row.clock_run },
    lastAdvanceMonoMs: row.last_advance_mono_ms,
    stopped: row.stopped === 1,
    holds: row.holds,
    ...(row.clock_unset === 1 ? { clockUnset: true as const } : {}),
  };
}

/** Repository of the meters' billing state. */
export class MeterStateRepository {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  /** The stored state of `meterId`, or undefined when it has none. */
  get(meterId: string): StoredMeterState | undefined {
    const row = this.sql
      .stmt<[string], MeterStateRow>("SELECT * FROM meter_states WHERE meter_id = ?")
      .get(meterId);
    return row === undefined ? undefined : { track: toTrack(row), otherJson: row.other_json };
  }

  /**
   * Stores the state of `meterId`. `otherJson` must be the JSON text of a value. Times are stored in whole ms
   * (wholeMs: floored), as gateway/prepaid's `wholeTrack` makes a track read back (an INTEGER column refuses a
   * fraction, and a refused write would fail every later batch of the meter's bus).
   */
  put(meterId: string, track: StoredTrack | undefined, otherJson: string): void {
    const t = track;
    this.sql
      .stmt(
        `INSERT INTO meter_states (meter_id, energy_wh, wall_ms, mono_ms, clock_wall_ms, clock_mono_ms,
           clock_run, last_advance_mono_ms, stopped, holds, clock_unset, other_json, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (meter_id) DO UPDATE SET energy_wh = excluded.energy_wh, wall_ms = excluded.wall_ms,
           mono_ms = excluded.mono_ms, clock_wall_ms = excluded.clock_wall_ms,
           clock_mono_ms = excluded.clock_mono_ms, clock_run = excluded.clock_run,
           last_advance_mono_ms = excluded.last_advance_mono_ms, stopped = excluded.stopped,
           holds = excluded.holds, clock_unset = excluded.clock_unset, other_json = excluded.other_json,
           updated_at_ms = excluded.updated_at_ms`,
      )
      .run(
        meterId,
        t?.energyWh ?? null,
        t === undefined ? null : wholeMs(t.wallMs),
        t === undefined ? null : wholeMs(t.monoMs),
        t === undefined ? null : wholeMs(t.lastClock.wallMs),
        t === undefined ? null : wholeMs(t.lastClock.monoMs),
        t?.lastClock.run ?? null,
        t === undefined ? null : wholeMs(t.lastAdvanceMonoMs),
        t === undefined ? null : t.stopped ? 1 : 0,
        t?.holds ?? null,
        t === undefined ? null : t.clockUnset === true ? 1 : 0,
        otherJson,
        this.clock.now(),
      );
  }
}
