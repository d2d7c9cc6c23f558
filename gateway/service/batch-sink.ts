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
import { storeFailedEvent, storeRecoveredEvent } from "../uplink/event-specs/index.ts";
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
    if (change.kind === "episode-started") record(storeFailedEvent(change.episode));
    if (change.kind === "recovered") record(storeRecoveredEvent(change.episode));
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
