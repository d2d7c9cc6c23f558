/**
 * Events of meter clocks (broadcast time sync, DOMAIN.md section 5): type, severity, wording and data.
 */
import type { EventSpec } from "../outbox-writer.ts";

const seconds = (ms: number) => `${ms >= 0 ? "+" : "-"}${Math.round(Math.abs(ms) / 1000)} s`;

/**
 * `clock.meter-drift`: a meter's clock is further off than a broadcast may correct (5 min); the platform
 * must set it (a secured write), and the broadcast of its bus waits until it does.
 */
export function meterDriftEvent(
  meterId: string,
  drift: { busId: string; driftMs: number; maxCorrectionMs: number },
): EventSpec {
  return {
    type: "clock.meter-drift",
    severity: "warning",
    meterId,
    message:
      `meter ${meterId}'s clock is ${seconds(drift.driftMs)} off the gateway's, more than a broadcast ` +
      `may correct (${seconds(drift.maxCorrectionMs)}): set it from the platform; bus ${drift.busId} gets no time broadcast until then`,
    data: { busId: drift.busId, driftMs: drift.driftMs, maxCorrectionMs: drift.maxCorrectionMs },
  };
}

/** `clock.meter-synced`: the time was broadcast on a bus, correcting the meters listed. */
export function meterClockSyncedEvent(
  busId: string,
  corrected: readonly { meterId: string; driftMs: number }[],
): EventSpec {
  return {
    type: "clock.meter-synced",
    severity: "info",
    message: `time broadcast on bus ${busId}: ${corrected.map((m) => `${m.meterId} ${seconds(m.driftMs)}`).join(", ")}`,
    data: { busId, corrected: corrected.map((m) => ({ meterId: m.meterId, driftMs: m.driftMs })) },
  };
}
