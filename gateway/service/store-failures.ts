/**
 * Batches of readings that could not be stored. A failed batch rolls back whole: its readings are not
 * stored, not charged and not published (their energy is charged from the next stored reading, since
 * registers are cumulative). The gateway keeps polling, so the failure must be counted and named:
 * /healthz and /status are degraded from the first failure until a batch stores again.
 */
import type { Clock } from "../../core/clock.ts";

/** An episode of failing batches: from the first failure to the next batch that stores. */
export interface StoreFailureEpisode {
  /** Wall-clock epoch ms of the episode's first failure. */
  readonly sinceMs: number;
  /** Failed batches in this episode, >= 1. */
  readonly batches: number;
  /** Readings in those batches (not stored). */
  readonly readings: number;
  /** The last failure's message and when (epoch ms). */
  readonly lastError: string;
  readonly lastAtMs: number;
}

/** What a failure or a success changed: the edge decides what to record. */
export type StoreFailureChange =
  | { readonly kind: "episode-started"; readonly episode: StoreFailureEpisode }
  | { readonly kind: "still-failing"; readonly episode: StoreFailureEpisode }
  | { readonly kind: "recovered"; readonly episode: StoreFailureEpisode }
  | { readonly kind: "none" };

export class StoreFailures {
  private current: StoreFailureEpisode | undefined;
  /** Failed batches since start, all episodes (for metrics). */
  totalBatches = 0;

  constructor(private readonly clock: Clock) {}

  /** The episode going on, if batches are failing now. */
  get episode(): StoreFailureEpisode | undefined {
    return this.current;
  }

  /** A batch of `readings` readings failed with `error`. */
  failed(error: unknown, readings: number): StoreFailureChange {
    const atMs = this.clock.now();
    const lastError = error instanceof Error ? error.message : String(error);
    this.totalBatches += 1;
    const previous = this.current;
    this.current = {
      sinceMs: previous?.sinceMs ?? atMs,
      batches: (previous?.batches ?? 0) + 1,
      readings: (previous?.readings ?? 0) + readings,
      lastError,
      lastAtMs: atMs,
    };
    return { kind: previous === undefined ? "episode-started" : "still-failing", episode: this.current };
  }

  /** A batch was stored: ends the episode, if any. */
  stored(): StoreFailureChange {
    const episode = this.current;
    this.current = undefined;
    return episode === undefined ? { kind: "none" } : { kind: "recovered", episode };
  }
}
