/**
 * Events of a meter's own status (DL/T 645 status word 3 and event counters): the relay disagreeing with
 * its command, the cover opened, a magnetic field, power down: type, severity, wording and data.
 */
import type { MeterStatusChange } from "../../meter-status/diff.ts";
import type { EventSpec } from "../outbox-writer.ts";

interface Subject {
  readonly meterId: string;
  readonly accountId?: string | undefined;
}

const counterWording = {
  coverOpen: { type: "tamper", severity: "critical", what: "meter cover opened", signal: "cover-open" },
  magneticInterference: {
    type: "tamper",
    severity: "critical",
    what: "magnetic interference",
    signal: "magnetic-interference",
  },
  powerDown: { type: "meter.power-down", severity: "warning", what: "power down", signal: "power-down" },
} as const;

/** The event of one status change of a meter. */
export function meterStatusEvent(subject: Subject, change: MeterStatusChange): EventSpec {
  const who = {
    meterId: subject.meterId,
    ...(subject.accountId === undefined ? {} : { accountId: subject.accountId }),
  };
  if (change.kind === "counter") {
    const wording = counterWording[change.counter];
    const times = change.count - change.previous;
    return {
      type: wording.type,
      severity: wording.severity,
      ...who,
      message: `meter ${subject.meterId}: ${wording.what}${times > 1 ? ` (${times} times)` : ""} since the last read`,
      data: { signal: wording.signal, count: change.count, previousCount: change.previous },
    };
  }
  const position = change.relay.closed ? "closed" : "open";
  const commanded = change.relay.openCommanded === true ? "open" : "closed";
  return change.kind === "relay-disagrees"
    ? {
        type: "relay.state-disagrees",
        severity: "critical",
        ...who,
        message: `meter ${subject.meterId}: relay is ${position} but the meter's command is ${commanded} (bypass, welded contact or a manual close?)`,
        data: { relayClosed: change.relay.closed, openCommanded: change.relay.openCommanded ?? null },
      }
    : {
        type: "relay.state-agrees",
        severity: "info",
        ...who,
        message: `meter ${subject.meterId}: relay ${position} as commanded again`,
        data: { relayClosed: change.relay.closed, openCommanded: change.relay.openCommanded ?? null },
      };
}

/** `meter.freeze-mismatch`: the meter's own daily freeze disagrees with the gateway's readings around it. */
export function freezeMismatchEvent(
  subject: Subject,
  mismatch: { frozenAtMs: number; frozenWh: number; lowWh: number; highWh: number; offByWh: number },
): EventSpec {
  return {
    type: "meter.freeze-mismatch",
    severity: "warning",
    meterId: subject.meterId,
    ...(subject.accountId === undefined ? {} : { accountId: subject.accountId }),
    message:
      `meter ${subject.meterId}: its daily freeze at ${new Date(mismatch.frozenAtMs).toISOString()} holds ` +
      `${mismatch.frozenWh} Wh, but the gateway's readings around it allow ${mismatch.lowWh}..${mismatch.highWh} Wh ` +
      `(off by ${mismatch.offByWh} Wh): check the meter's clock and register`,
    data: {
      frozenAtMs: mismatch.frozenAtMs,
      frozenWh: mismatch.frozenWh,
      lowWh: mismatch.lowWh,
      highWh: mismatch.highWh,
      offByWh: mismatch.offByWh,
    },
  };
}
