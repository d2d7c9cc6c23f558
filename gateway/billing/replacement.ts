/**
 * The edges of the meter-identity decision (gateway/prepaid/meter-identity.ts): a changed serial number
 * raises anomaly.meter-replaced and restarts the energy baseline inside the reading's unit of work, and
 * meter.replace.confirm clears the pending replacement. Until it is confirmed the meter is billed from
 * the new register as usual; /status and /healthz name the replacement.
 */
import { assessIdentity } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { meterReplacedEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
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
