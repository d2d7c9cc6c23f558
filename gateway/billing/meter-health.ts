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

/**
 * Why the supply is cut or about to be: `remote` (a platform's or technician's cut, with its reason) or
 * `arrears` (the balance reached minus the overdraft limit); `plannedAtMs` when a cut is announced and
 * not yet executed (epoch ms, as told to the customer).
 */
export interface SupplyCut {
  readonly reason: "arrears" | "remote";
  readonly detail: string | undefined;
  readonly executed: boolean;
  readonly plannedAtMs: number | undefined;
  /** A due cut that waits (keep-power, heavy load, friendly period, relay cap), if it does. */
  readonly waiting?: CutWait | undefined;
}

/**
 * Why a due cut has not run yet: the deferral reason (decision-types.ts DeferReason), when it lapses
 * (epoch ms; undefined: when contact returns or the load drops), the current that holds it (A) and
 * whether a heavy-load wait has outlasted policy.tripMaxDeferMin (reported for the platform to decide).
 */
export interface CutWait {
  readonly reason: string;
  readonly untilMs: number | undefined;
  readonly currentA: number | undefined;
  readonly overlong: boolean;
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
  /** The cut in force or announced, if any (undefined for a meter without a relay decision). */
  readonly cut?: SupplyCut | undefined;
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
    cut: supplyCut(state.decision),
  };
}

function supplyCut(decision: MeterState["decision"]): SupplyCut | undefined {
  if (decision === undefined) return undefined;
  const cut = cutInForce(decision);
  const wait = decision.deferral;
  if (cut === undefined || wait?.action !== "cut") return cut;
  const heavy = wait.reason === "heavy-load";
  const waiting: CutWait = {
    reason: wait.reason,
    untilMs: wait.untilMs,
    currentA: heavy ? decision.loadA : undefined,
    overlong: heavy && decision.heavyReported === true,
  };
  return { ...cut, executed: false, waiting };
}

function cutInForce(decision: NonNullable<MeterState["decision"]>): SupplyCut | undefined {
  if (decision.remoteCut !== undefined)
    return { reason: "remote", detail: decision.remoteCut.reason, executed: true, plannedAtMs: undefined };
  if (decision.arrearsCut)
    return { reason: "arrears", detail: undefined, executed: true, plannedAtMs: undefined };
  if (decision.notice !== undefined)
    return {
      reason: "arrears",
      detail: undefined,
      executed: false,
      plannedAtMs: decision.notice.plannedAtMs,
    };
  return undefined;
}
