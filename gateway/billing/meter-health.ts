/**
 * What the engine knows about a meter's billing that a person must hear about: readings being held
 * instead of charged, energy jumps waiting for anomaly.resolve, a relay that does not follow its
 * command, a replacement waiting for meter.replace.confirm. Read by /status and /healthz.
 */
import type { HoldStreak, MeterReplacement, RelayPosition } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { heldAnomalies, type HeldAnomaly } from "./anomalies.ts";
import type { MeterState } from "./state.ts";

/** A relay whose read-back disagrees with the position the gateway commanded. */
export interface RelayDisobeys {
  readonly expected: RelayPosition;
  readonly actual: RelayPosition;
  /** Re-drives tried so far. */
  readonly redrives: number;
}

/** A meter's billing health, read from the engine's persisted state and the held jumps. */
export interface MeterBillingHealth {
  /** The run of readings held now (not charged), if any. */
  readonly held: HoldStreak | undefined;
  /** Energy jumps held until anomaly.resolve charges or waives them. */
  readonly heldJumps: readonly HeldAnomaly[];
  readonly relayDisobeys: RelayDisobeys | undefined;
  /** A replacement not confirmed yet. */
  readonly replacement: MeterReplacement | undefined;
}

/** Reads a meter's billing health from its engine state (read-only; call outside or inside a unit of work). */
export function meterBillingHealth(
  store: Store,
  meterId: string,
  state: Readonly<MeterState>,
): MeterBillingHealth {
  const mismatch = state.decision?.mismatch;
  return {
    held: state.held,
    heldJumps: heldAnomalies(store, meterId),
    relayDisobeys:
      mismatch === undefined
        ? undefined
        : {
            expected: mismatch.expected,
            actual: mismatch.expected === "open" ? "closed" : "open",
            redrives: mismatch.attempt,
          },
    replacement: state.identity?.pending,
  };
}
