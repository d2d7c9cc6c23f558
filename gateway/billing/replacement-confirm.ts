/**
 * meter.replace.confirm: a person confirms the replacement the reading path raised (replacement.ts),
 * in the engine's unit of work, audited by its anomaly.resolved event. Kept apart from the reading path,
 * which the engine calls, so the two do not import each other.
 */
import { confirmReplacement, type MeterReplacement } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { replacementConfirmedEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import type { PrepaidEngine } from "./engine.ts";
import type { OperationResult } from "./operation-result.ts";

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
    return {
      ok: false,
      code: "UNKNOWN_METER",
      message: `no billed meter '${meterId}'`,
      details: { meter: meterId },
    };
  return engine.unitOfWork(() => {
    const meterState = engine.states.meter(meterId);
    const outcome = confirmReplacement(meterState.identity, serial);
    if (!outcome.ok) {
      return outcome.reason === "none-pending"
        ? {
            ok: false as const,
            code: "NO_REPLACEMENT_PENDING",
            message: `meter '${meterId}' has no replacement waiting for confirmation`,
            details: { meter: meterId },
          }
        : {
            ok: false as const,
            code: "SERIAL_MISMATCH",
            message: `meter '${meterId}' was replaced by serial ${outcome.pending.newSerial}, not ${serial}`,
            details: { meter: meterId, pendingSerial: outcome.pending.newSerial },
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
