/**
 * Where the reading batcher hands its batches: the ingest stage stores, queues and bills each in one
 * transaction (ingest/ingest.ts).
 * A batch that cannot be stored is counted (StoreFailures), logged, and raised as one `store.failed`
 * event per episode when the store can still take that event; `store.recovered` follows when a batch
 * stores again. /healthz reads the episode.
 */
import type { Logger } from "../../core/logger.ts";
import type { Reading } from "../metering/reading.ts";
import type { Store } from "../store/index.ts";
import { recordEvent, type EventSpec } from "../uplink/outbox-writer.ts";
import type { StoreFailureChange, StoreFailures } from "./store-failures.ts";

export interface BatchSinkDeps {
  /**
   * Stores and charges a batch in one unit of work. Returns false when it was not stored for a reason
   * reported elsewhere (a full disk: DiskGuard counts and raises it); throws on any other failure.
   */
  readonly ingest: (batch: readonly Reading[]) => boolean;
  readonly store: Store;
  readonly logger: Logger;
  readonly failures: StoreFailures;
  /** After a batch is stored and charged (publish meter states, wake the uplink). */
  readonly afterStored: (batch: readonly Reading[]) => void;
}

/** The batcher's sink: never throws (the batcher flushes it from timers and from Gateway.stop). */
export function batchSink(deps: BatchSinkDeps): (batch: Reading[]) => void {
  const { store, logger, failures } = deps;
  const record = (spec: EventSpec) => {
    try {
      store.transaction(() => recordEvent(store, spec));
    } catch (error) {
      // The store refuses even one event row (disk full, corrupt): the log and /healthz still say it.
      logger.error({ err: error, event: spec.type }, "could not record a store event either");
    }
  };
  return (batch) => {
    let change: StoreFailureChange;
    try {
      if (!deps.ingest(batch)) return;
      change = failures.stored();
    } catch (error) {
      logger.error({ err: error, readings: batch.length }, "could not store a batch of readings");
      change = failures.failed(error, batch.length);
    }
    if (change.kind === "episode-started") record(failedEvent(change.episode));
    if (change.kind === "recovered") record(recoveredEvent(change.episode));
    if (change.kind !== "none" && change.kind !== "recovered") return;
    try {
      deps.afterStored(batch);
    } catch (error) {
      // The batch is stored and charged: a failure to publish its meter states is not a store failure.
      logger.error(
        { err: error, readings: batch.length },
        "could not publish meter states of a stored batch",
      );
    }
  };
}

function failedEvent(e: { lastError: string; readings: number }): EventSpec {
  return {
    type: "store.failed",
    severity: "critical",
    message: `readings cannot be stored, so they are not billed: ${e.lastError}`,
    data: { error: e.lastError, readings: e.readings },
  };
}

function recoveredEvent(e: { sinceMs: number; batches: number; readings: number }): EventSpec {
  return {
    type: "store.recovered",
    severity: "info",
    message: `readings are stored again after ${e.batches} failed batch(es) (${e.readings} readings not stored since ${new Date(e.sinceMs).toISOString()}; their energy is charged from the next reading)`,
    data: { sinceMs: e.sinceMs, batches: e.batches, readings: e.readings },
  };
}
