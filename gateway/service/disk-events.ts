/**
 * Records the disk's audit events (`disk.full` critical, `disk.ok` info; their wording lives in
 * uplink/event-specs/) in the store and queues them for the platform like every other event.
 */
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import { diskEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";

export { diskBackMessage, diskFullMessage, mib } from "../uplink/event-specs/index.ts";

/** Records a disk event in its own unit of work; a failure (the disk may still be full) is logged. */
export function recordDiskEvent(
  store: Store,
  logger: Logger,
  event: { type: "disk.full" | "disk.ok"; message: string; dataDir: string; freeBytes: number | null },
): void {
  try {
    store.transaction(() => recordEvent(store, diskEvent(event)));
  } catch (error) {
    logger.error({ err: error, type: event.type }, `could not record ${event.type}`);
  }
}
