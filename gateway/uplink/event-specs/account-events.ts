/**
 * Events of relay operations, keep-power without a relay meter, and held anomalies (meter replaced,
 * energy jumps held and resolved): type, severity, wording and data.
 */
import type { MeterReplacement } from "../../prepaid/index.ts";
import type { EventSpec } from "../outbox-writer.ts";

interface Subject {
  meterId: string;
  accountId: string;
}

/** A relay switch, for its outcome events. */
export interface SwitchedRelay {
  readonly closed: boolean;
  readonly reason: string;
  readonly redrive: number | undefined;
}

/**
 * `cut.done` / `restore.done`: the relay moved as commanded; `restore.allowed`: a restore by allow-close
 * was accepted and the relay stays open until the customer presses the meter's button.
 */
export function relayDoneEvent(
  subject: Subject,
  relay: SwitchedRelay,
  relayOpId: number,
  readback: "open" | "closed" | "unknown" = relay.closed ? "closed" : "open",
): EventSpec {
  if (relay.closed && readback === "open") {
    return {
      type: "restore.allowed",
      severity: "info",
      ...subject,
      message: `supply may be restored (${relay.reason}): the relay closes when the customer presses the meter's button`,
      data: { reason: relay.reason, relayOpId, redrive: relay.redrive ?? null },
    };
  }
  return {
    type: relay.closed ? "restore.done" : "cut.done",
    severity: relay.closed ? "info" : "warning",
    ...subject,
    message: relay.closed ? `supply restored (${relay.reason})` : `supply cut (${relay.reason})`,
    data: { reason: relay.reason, relayOpId, redrive: relay.redrive ?? null },
  };
}

/** `relay.failed`: the write or its read-back failed. */
export function relayFailedEvent(
  subject: Subject,
  failed: { action: "cut" | "restore"; reason: string; relayOpId: number; detail: string | undefined },
): EventSpec {
  return {
    type: "relay.failed",
    severity: "critical",
    ...subject,
    message: `could not ${failed.action} the relay: ${failed.detail}`,
    data: {
      action: failed.action,
      reason: failed.reason,
      relayOpId: failed.relayOpId,
      error: failed.detail ?? null,
    },
  };
}

/** `protection.on` / `protection.off` of an account with no relay meter (no decision raises it). */
export function accountProtectionEvent(
  accountId: string,
  on: boolean,
  reason: string,
  untilMs: number | undefined,
): EventSpec {
  return {
    type: on ? "protection.on" : "protection.off",
    severity: "info",
    accountId,
    message: on ? `keep-power on: ${reason}` : "keep-power off (released)",
    data: { reason, untilMs: untilMs ?? null },
  };
}

/** `anomaly.meter-replaced`: another serial answers on the meter's address. */
export function meterReplacedEvent(
  subject: Subject,
  r: MeterReplacement,
  superseded: MeterReplacement | undefined,
): EventSpec {
  return {
    type: "anomaly.meter-replaced",
    severity: "warning",
    ...subject,
    message:
      `meter replaced: serial ${r.oldSerial} -> ${r.newSerial}, register ${r.oldEnergyWh ?? "unknown"} Wh -> ` +
      `${r.newEnergyWh} Wh: new baseline, the jump is not charged; billing goes on from the new register; ` +
      "confirm with meter.replace.confirm",
    data: {
      oldSerial: r.oldSerial,
      newSerial: r.newSerial,
      oldEnergyWh: r.oldEnergyWh ?? null,
      newEnergyWh: r.newEnergyWh,
      confirmed: false,
      superseded: superseded?.newSerial ?? null,
    },
  };
}

/** `anomaly.resolved` for a confirmed meter replacement. */
export function replacementConfirmedEvent(subject: Subject, r: MeterReplacement, reason: string): EventSpec {
  return {
    type: "anomaly.resolved",
    severity: "info",
    ...subject,
    message: `meter replacement confirmed: serial ${r.oldSerial} -> ${r.newSerial}: ${reason}`,
    data: { anomaly: "meter-replaced", oldSerial: r.oldSerial, newSerial: r.newSerial, reason },
  };
}

/**
 * The first implausible reading of a streak, with the anomaly id reserved for it: if the jump persists
 * it is held under this id for anomaly.resolve; if a later reading is plausible again the energy is
 * charged with that reading and the id is never used.
 */
export function pendingJumpEvent(spec: EventSpec, anomalyId: number): EventSpec {
  return {
    ...spec,
    message: `${spec.message}; if it persists it is held as anomaly ${anomalyId}`,
    data: { ...spec.data, anomalyId },
  };
}

/** A persistent energy jump's event, naming the anomaly that now holds it. */
export function heldJumpEvent(spec: EventSpec, anomalyId: number): EventSpec {
  return { ...spec, message: `${spec.message} (anomaly ${anomalyId})`, data: { ...spec.data, anomalyId } };
}

/** `anomaly.resolved` for a held energy jump charged or waived by anomaly.resolve. */
export function jumpResolvedEvent(
  subject: Subject,
  resolved: {
    anomalyId: number;
    action: "charge" | "waive";
    energyWh: number;
    amount: string;
    reason: string;
  },
): EventSpec {
  const { anomalyId, action, energyWh, amount, reason } = resolved;
  const status = action === "charge" ? "charged" : "waived";
  return {
    type: "anomaly.resolved",
    severity: "info",
    ...subject,
    message: `held energy jump of ${energyWh} Wh ${status} (anomaly ${anomalyId}): ${reason}`,
    data: { anomalyId, action, energyWh, amount, reason },
  };
}
