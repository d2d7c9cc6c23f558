/**
 * Events of the box itself: meters answering or not, optional quantities, buses, batches that cannot be
 * stored, the disk, and config reloads: type, severity, wording and data.
 */
import type { GatewayError } from "../../../core/errors.ts";
import type { OptionalBlockChange } from "../../metering/optional-blocks.ts";
import type { EventSpec } from "../outbox-writer.ts";

/**
 * `meter.online` / `meter.offline`. `firstContact`: the meter's first answer since the gateway started
 * ("answers"; later ones "answer again"). Going offline always says why: the last error's message and
 * code, or that none was recorded.
 */
export function meterLinkEvent(
  meterId: string,
  busId: string,
  online: boolean,
  lastError: { code: string; message: string; atMs: number } | undefined,
  firstContact = false,
): EventSpec {
  return {
    type: online ? "meter.online" : "meter.offline",
    severity: online ? "info" : "warning",
    meterId,
    message: online
      ? `meter ${meterId} ${firstContact ? "answers" : "answers again"}`
      : `meter ${meterId} stopped answering: ${offlineReason(lastError)}`,
    data: { busId, lastError: lastError ?? null },
  };
}

function offlineReason(lastError: { code: string; message: string } | undefined): string {
  if (lastError === undefined) return "no error was recorded (the bus may have closed)";
  const message = lastError.message.trim();
  if (message === "") return `${lastError.code} (no detail from the transport)`;
  return message.includes(lastError.code) ? message : `${message} (${lastError.code})`;
}

/** `bus.up` / `bus.down`. */
export function busEvent(busId: string, up: boolean, error: GatewayError | undefined): EventSpec {
  return {
    type: up ? "bus.up" : "bus.down",
    severity: up ? "info" : "critical",
    message: up ? `bus ${busId} is up` : `bus ${busId} is down: ${error?.message || "no error was recorded"}`,
    data: { busId, error: error?.message ?? null },
  };
}

/** `meter.quantity-missing` / `meter.quantity-restored` (the message is also logged). */
export function quantityEvent(meterId: string, busId: string, change: OptionalBlockChange): EventSpec {
  const names = change.quantities.join(", ");
  const minutes = Math.round((change.retryMs ?? 0) / 60_000);
  const missing = change.kind === "missing";
  return {
    type: missing ? "meter.quantity-missing" : "meter.quantity-restored",
    severity: missing ? "warning" : "info",
    meterId,
    message: missing
      ? `meter ${meterId}: ${names} not supported by this meter (${change.error ?? change.request}); ` +
        `readings go on without it, asked again every ${minutes} min`
      : `meter ${meterId}: ${names} answered again (${change.request})`,
    data: {
      busId,
      quantities: [...change.quantities],
      request: change.request,
      ...(change.error === undefined ? {} : { error: change.error }),
      ...(change.retryMs === undefined ? {} : { retryMs: change.retryMs }),
    },
  };
}

/** `store.failed`: a batch of readings could not be stored, so it is not billed. */
export function storeFailedEvent(e: { lastError: string; readings: number }): EventSpec {
  return {
    type: "store.failed",
    severity: "critical",
    message: `readings cannot be stored, so they are not billed: ${e.lastError}`,
    data: { error: e.lastError, readings: e.readings },
  };
}

/** `store.recovered`: batches store again after a failure episode. */
export function storeRecoveredEvent(e: { sinceMs: number; batches: number; readings: number }): EventSpec {
  return {
    type: "store.recovered",
    severity: "info",
    message: `readings are stored again after ${e.batches} failed batch(es) (${e.readings} readings not stored since ${new Date(e.sinceMs).toISOString()}; their energy is charged from the next reading)`,
    data: { sinceMs: e.sinceMs, batches: e.batches, readings: e.readings },
  };
}

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

/** `disk.full` (critical) / `disk.ok` (info), with a message from the two functions above. */
export function diskEvent(event: {
  type: "disk.full" | "disk.ok";
  message: string;
  dataDir: string;
  freeBytes: number | null;
}): EventSpec {
  return {
    type: event.type,
    severity: event.type === "disk.full" ? "critical" : "info",
    message: event.message,
    data: { dataDir: event.dataDir, freeBytes: event.freeBytes },
  };
}

/** `config.reloaded`: what a reload applied and what needs a restart. */
export function configReloadedEvent(applied: readonly string[], needsRestart: readonly string[]): EventSpec {
  return {
    type: "config.reloaded",
    severity: needsRestart.length === 0 ? "info" : "warning",
    message: `config reloaded: ${applied.length === 0 ? "nothing changed" : `applied ${applied.join(", ")}`}${needsRestart.length === 0 ? "" : `; needs a restart to take effect: ${needsRestart.join(", ")}`}`,
    data: { applied, needsRestart },
  };
}
