/**
 * The disk's audit events (`disk.full` critical, `disk.ok` info) and their one-line messages: recorded
 * in the store and queued for the platform like every other event.
 */
import type { Logger } from "../../core/logger.ts";
import type { Store } from "../store/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";

const MiB = 1024 * 1024;

/** Bytes as MiB with one decimal, for messages. */
export function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

/** Message of `disk.full`; `releasedBytes` of reserve given back (0: none). */
export function diskFullMessage(dataDir: string, releasedBytes: number): string {
  const reserve = releasedBytes > 0 ? `; released ${mib(releasedBytes)} MiB of reserve to keep billing` : "";
  return (
    `disk full in ${dataDir}${reserve}: free space on this disk ` +
    "(readings that cannot be stored are charged once space returns)"
  );
}

/** Message of `disk.ok`: room again, and what became of the readings that could not be stored. */
export function diskBackMessage(dataDir: string, freeBytes: number, readingsNotStored: number): string {
  const missed =
    readingsNotStored === 0
      ? ""
      : `; ${readingsNotStored} readings were not stored, their energy is charged with the next one`;
  return `disk space is back in ${dataDir} (${mib(freeBytes)} MiB free): readings are stored again${missed}`;
}

/** Records a disk event in its own unit of work; a failure (the disk may still be full) is logged. */
export function recordDiskEvent(
  store: Store,
  logger: Logger,
  event: { type: "disk.full" | "disk.ok"; message: string; dataDir: string; freeBytes: number | null },
): void {
  try {
    store.transaction(() =>
      recordEvent(store, {
        type: event.type,
        severity: event.type === "disk.full" ? "critical" : "info",
        message: event.message,
        data: { dataDir: event.dataDir, freeBytes: event.freeBytes },
      }),
    );
  } catch (error) {
    logger.error({ err: error, type: event.type }, `could not record ${event.type}`);
  }
}
