/**
 * The edges of the meter-identity decision (gateway/prepaid/meter-identity.ts): a changed serial number
 * raises anomaly.meter-replaced and restarts the energy baseline inside the reading's unit of work, and
 * meter.replace.confirm clears the pending replacement. Until it is confirmed the meter is billed from
 * the new register as usual; /status and /healthz name the replacement.
 */
import { assessIdentity, confirmReplacement, type MeterReplacement } from "../../prepaid/index.ts";
import type { Store } from "../../store/index.ts";
import type { PrepaidEngine } from "./engine.ts";
import type { OperationResult } from "./operation-result.ts";
import { meterReplacedEvent, replacementConfirmedEvent } from "../../uplink/event-specs/index.ts";
import { recordEvent } from "../../uplink/outbox-writer.ts";
import type { MeterState } from "./state.ts";

/**
 * Checks the reading's serial against the meter's; on a replacement forgets the old baseline (the next
 * assessment takes the new register as its first reading) and records the event. Call in the unit of
 * work of the reading, before the energy is assessed.
 */
export function checkMeterIdentity(
  store: Store,
  meterState: MeterState,
  reading: { serial: number | undefined; energyWh: number; wallMs: number },
  subject: { meterId: string; accountId: string },
): void {
  const { identity, verdict } = assessIdentity(meterState.identity, reading, meterState.track?.energyWh);
  if (identity !== undefined) meterState.identity = identity;
  if (verdict.kind !== "replaced") return;
  delete meterState.track;
  delete meterState.held;
  recordEvent(store, meterReplacedEvent(subject, verdict.replacement, verdict.superseded));
}

/** What meter.replace.confirm answers. */
export interface ReplaceConfirmResult {
  meter: string;
  oldSerial: number;
  newSerial: number;
  oldEnergyWh: number | null;
  newEnergyWh: number;
}

/** Confirms a meter's pending replacement; `serial` must be the new meter's. Audited. */
export function confirmMeterReplacement(
  engine: PrepaidEngine,
  store: Store,
  command: { meterId: string; serial: number; reason: string },
): OperationResult<ReplaceConfirmResult> {
  const { meterId, serial, reason } = command;
  const accountId = engine.settings.meterAccount.get(meterId);
  if (accountId === undefined)
    return { ok: false, code: "UNKNOWN_METER", message: `no billed meter '${meterId}'` };
  return engine.unitOfWork(() => {
    const meterState = engine.states.meter(meterId);
    const outcome = confirmReplacement(meterState.identity, serial);
    if (!outcome.ok) {
      return outcome.reason === "none-pending"
        ? {
            ok: false as const,
            code: "NO_REPLACEMENT_PENDING",
            message: `meter '${meterId}' has no replacement waiting for confirmation`,
          }
        : {
            ok: false as const,
            code: "SERIAL_MISMATCH",
            message: `meter '${meterId}' was replaced by serial ${outcome.pending.newSerial}, not ${serial}`,
          };
    }
    meterState.identity = outcome.identity;
    const r: MeterReplacement = outcome.confirmed;
    recordEvent(store, replacementConfirmedEvent({ meterId, accountId }, r, reason));
    return {
      ok: true as const,
      result: {
        meter: meterId,
        oldSerial: r.oldSerial,
        newSerial: r.newSerial,
        oldEnergyWh: r.oldEnergyWh ?? null,
        newEnergyWh: r.newEnergyWh,
      },
    };
  });
}
