/**
 * Turns the pure domain's events and effects into contract events (gateway/uplink/records.ts):
 * names, severities and wording of the cutoff decision, thresholds and reading assessment.
 */
import {
  formatMoneyE7,
  formatYuan,
  type DecisionEffect,
  type DecisionEvent,
  type ReadingEvent,
  type ThresholdEvent,
} from "../../prepaid/index.ts";
import type { EventSpec } from "../outbox-writer.ts";

interface Subject {
  meterId?: string;
  accountId?: string;
}

const levelNames = {
  warning1: "alarm 1",
  warning2: "alarm 2",
  overdraft: "zero balance",
  exhausted: "overdraft limit",
} as const;

export function thresholdEvent(e: ThresholdEvent, subject: Subject): EventSpec {
  const raised = e.kind === "raised";
  return {
    type: raised ? "alarm.raised" : "alarm.cleared",
    severity: raised ? (e.level === "warning1" ? "info" : "warning") : "info",
    ...subject,
    message: `${levelNames[e.level]} ${raised ? "reached" : "cleared"}: balance ${formatYuan(e.balanceE7)}, threshold ${formatYuan(e.thresholdE7)}`,
    data: { level: e.level, balance: formatMoneyE7(e.balanceE7), threshold: formatMoneyE7(e.thresholdE7) },
  };
}

export function readingEvent(e: ReadingEvent, subject: Subject): EventSpec {
  switch (e.kind) {
    case "clock-anomaly":
      return {
        type: "clock.anomaly",
        severity: "warning",
        ...subject,
        message: `clock ${e.anomaly} (${e.skewMs} ms): reading held, not charged`,
        data: { anomaly: e.anomaly, skewMs: e.skewMs },
      };
    case "energy-spike":
      return {
        type: "anomaly.implausible-delta",
        severity: "warning",
        ...subject,
        message: `energy jumped ${e.deltaWh} Wh in ${Math.round(e.elapsedMs / 1000)} s (at most ${e.maxPlausibleWh} Wh possible): held, not charged`,
        data: { deltaWh: e.deltaWh, maxPlausibleWh: e.maxPlausibleWh, elapsedMs: e.elapsedMs },
      };
    case "energy-rebased":
      return {
        type: e.reason === "decrease" ? "anomaly.reading-decrease" : "anomaly.implausible-delta",
        severity: "warning",
        ...subject,
        message:
          e.reason === "decrease"
            ? `energy register went down from ${e.fromWh} to ${e.toWh} Wh (reset or replaced meter): new baseline, nothing charged`
            : `energy register stayed at an implausible new level (${e.fromWh} -> ${e.toWh} Wh): the jump is held, not charged, until anomaly.resolve charges or waives it`,
        data: { reason: e.reason, fromWh: e.fromWh, toWh: e.toWh },
      };
    case "meter-stopped":
      return e.state === "happened"
        ? {
            type: "anomaly.meter-stopped",
            severity: "warning",
            ...subject,
            message: `energy register does not advance while drawing ${Math.round(e.powerW)} W`,
            data: { powerW: e.powerW },
          }
        : {
            type: "anomaly.resolved",
            severity: "info",
            ...subject,
            message: "energy register advances again",
            data: { anomaly: "meter-stopped" },
          };
  }
}

type DecisionEventSpec = Omit<EventSpec, "meterId" | "accountId">;

/** The contract event of each decision event (a table: one entry per DecisionEvent type). */
const decisionEvents: {
  [K in DecisionEvent["type"]]: (e: Extract<DecisionEvent, { type: K }>) => DecisionEventSpec;
} = {
  "clock-anomaly": (e) => ({
    type: "clock.anomaly",
    severity: "warning",
    message: `clock ${e.anomaly} (${e.skewMs} ms)`,
    data: { anomaly: e.anomaly, skewMs: e.skewMs },
  }),
  "cut-held": (e) => ({
    type: "cut.held",
    severity: "warning",
    message: `due ${e.cut} cut held: the clock is not trusted`,
    data: { cut: e.cut, reason: e.reason },
  }),
  "restore-withheld": (e) => ({
    type: "restore.withheld",
    severity: "info",
    message: `supply stays off: balance ${formatYuan(e.balanceE7)} must exceed ${formatYuan(e.closeAllowedMinE7)}`,
    data: { balance: formatMoneyE7(e.balanceE7), closeAllowedMin: formatMoneyE7(e.closeAllowedMinE7) },
  }),
  "restore-deferred": (e) => ({
    type: "restore.deferred",
    severity: "warning",
    message: "restore deferred: relay operation cap reached",
    data: { reason: e.reason, untilMs: e.untilMs ?? null },
  }),
  "protection-on": (e) => ({
    type: "protection.on",
    severity: "info",
    message: `keep-power on: ${e.reason}`,
    data: { reason: e.reason, untilMs: e.untilMs ?? null },
  }),
  "protection-off": (e) => ({
    type: "protection.off",
    severity: "info",
    message: `keep-power off (${e.cause})`,
    data: { cause: e.cause },
  }),
  "remote-refused": (e) => ({
    type: "command.refused",
    severity: "warning",
    message: "remote cut refused: the account is protected",
    data: { commandId: e.commandId, reason: e.reason },
  }),
  "relay-mismatch": (e) => ({
    type: "relay.mismatch",
    severity: "critical",
    message: `relay is ${e.actual}, expected ${e.expected}: re-driving`,
    data: { expected: e.expected, actual: e.actual },
  }),
  "relay-mismatch-cleared": (e) => ({
    type: "relay.mismatch.cleared",
    severity: "info",
    message: `relay ${e.position} as commanded`,
    data: { position: e.position },
  }),
  "trip-deferred-long": (e) => ({
    type: "cut.load-deferred-long",
    severity: "warning",
    message: `${e.cut} cut waiting since ${new Date(e.sinceMs).toISOString()}: the meter draws ${e.currentA} A, above tripMaxCurrentA; it runs when the load drops, or the platform decides`,
    data: { cut: e.cut, currentA: e.currentA, sinceMs: e.sinceMs },
  }),
  "restore-blocked": (e) => ({
    type: "restore.blocked",
    severity: "warning",
    message: `supply stays off (${e.restore}): close not allowed on this account until the platform lifts it`,
    data: { restore: e.restore },
  }),
  "closed-by-customer": () => ({
    type: "restore.customer-closed",
    severity: "info",
    message: "supply back on: the customer closed the relay at the meter",
    data: {},
  }),
};

/** A decision event (decision-types.ts) as a contract event about `subject`. */
export function decisionEvent(e: DecisionEvent, subject: Subject): EventSpec {
  const spec = (decisionEvents[e.type] as (event: DecisionEvent) => DecisionEventSpec)(e);
  return { type: spec.type, severity: spec.severity, ...subject, message: spec.message, data: spec.data };
}

/** Effects that are records only (the relay and wake effects are carried out by the engine). */
export function effectEvent(effect: DecisionEffect, subject: Subject): EventSpec | undefined {
  switch (effect.kind) {
    case "announceCut":
      return {
        type: "cut.announced",
        severity: "warning",
        ...subject,
        message: `supply will be cut at ${new Date(effect.plannedAtMs).toISOString()} unless topped up (balance ${formatYuan(effect.balanceE7)})`,
        data: { plannedAtMs: effect.plannedAtMs, balance: formatMoneyE7(effect.balanceE7) },
      };
    case "cancelCut":
      return {
        type: "cut.cancelled",
        severity: "info",
        ...subject,
        message: `announced cut cancelled (${effect.reason})`,
        data: { reason: effect.reason },
      };
    case "deferCut":
      return {
        type: "cut.deferred",
        severity: "info",
        ...subject,
        message: `${effect.cut} cut deferred (${effect.reason})${effect.untilMs === undefined ? "" : ` until ${new Date(effect.untilMs).toISOString()}`}`,
        data: { cut: effect.cut, reason: effect.reason, untilMs: effect.untilMs ?? null },
      };
    case "event":
      return decisionEvent(effect.event, subject);
    case "executeCut":
    case "restore":
    case "scheduleWake":
      return undefined;
  }
}
