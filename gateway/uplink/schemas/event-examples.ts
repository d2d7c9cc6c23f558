/**
 * One example event per type, made by the real builders of event-specs/ (so the wording and data are
 * what the gateway sends) and checked against the type's data schema (event-data.ts) when the docs are
 * generated: a builder whose data drifts from the published schema fails `npm run schemas`.
 */
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import { eventDataSchemas } from "../event-data.ts";
import * as spec from "../event-specs/index.ts";
import type { EventSpec } from "../outbox-writer.ts";
import type { EventType } from "../records.ts";
import { eventTypes } from "../records.ts";

const subject = { meterId: "M-7", accountId: "A-101" };
const at = 1767614400000;
const replacement = {
  oldSerial: 21040001,
  newSerial: 24050017,
  oldEnergyWh: 1234567,
  newEnergyWh: 12,
  atMs: at,
};
const spike = spec.readingEvent(
  { kind: "energy-spike", deltaWh: 128, maxPlausibleWh: 22, elapsedMs: 233 },
  subject,
);
const jump = spec.readingEvent(
  { kind: "energy-rebased", reason: "persistent-jump", fromWh: 1200, toWh: 91200 },
  subject,
);
const quantities = { quantities: ["serialNumber" as const], request: "FC03 0xFC00 x2" };
const link = { code: ErrorCode.Timeout, message: "TIMEOUT: no reply in 500 ms", atMs: at };
const refusal = {
  command: "topup",
  transaction: "tx-0002-example",
  code: "EXPIRED",
  message: "expired 5123 ms ago",
};

/** Builder calls, in the order of the docs; several per type where a type has several causes. */
const examples: readonly EventSpec[] = [
  spec.thresholdEvent(
    { kind: "raised", level: "warning1", balanceE7: 595_000_000, thresholdE7: 600_000_000 },
    subject,
  ),
  spec.thresholdEvent(
    { kind: "cleared", level: "warning1", balanceE7: 1_095_000_000, thresholdE7: 600_000_000 },
    subject,
  ),
  spec.effectEvent({ kind: "announceCut", plannedAtMs: at + 3_600_000, balanceE7: -1_000_000 }, subject)!,
  spec.effectEvent({ kind: "cancelCut", reason: "balance" }, subject)!,
  spec.effectEvent(
    { kind: "deferCut", cut: "arrears", reason: "rate-limit", untilMs: at + 60_000 },
    subject,
  )!,
  spec.decisionEvent({ type: "cut-held", cut: "arrears", reason: "clock" }, subject),
  spec.relayDoneEvent(subject, { closed: false, reason: "arrears", redrive: undefined }, 311),
  spec.relayDoneEvent(subject, { closed: true, reason: "topup", redrive: undefined }, 312),
  spec.relayDoneEvent(subject, { closed: true, reason: "topup", redrive: undefined }, 313, "open"),
  spec.decisionEvent({ type: "closed-by-customer" }, subject),
  spec.decisionEvent(
    { type: "restore-withheld", balanceE7: 50_000_000, closeAllowedMinE7: 100_000_000 },
    subject,
  ),
  spec.decisionEvent({ type: "restore-deferred", reason: "rate-limit", untilMs: at + 60_000 }, subject),
  spec.relayFailedEvent(subject, {
    action: "cut",
    reason: "arrears",
    relayOpId: 314,
    detail: "TIMEOUT: no reply",
  }),
  spec.decisionEvent({ type: "relay-mismatch", expected: "open", actual: "closed" }, subject),
  spec.decisionEvent({ type: "relay-mismatch-cleared", position: "open" }, subject),
  spec.decisionEvent({ type: "protection-on", reason: "hospital", untilMs: at + 86_400_000 }, subject),
  spec.decisionEvent({ type: "protection-off", cause: "expired" }, subject),
  spec.commandExecutedEvent("topup", "tx-0001-example", { accountId: "A-101" }),
  spec.commandRefusedEvent(refusal, { accountId: "A-101" }, 0),
  spec.decisionEvent({ type: "remote-refused", commandId: "tx-0003-example", reason: "protected" }, subject),
  spec.meterLinkEvent("M-7", "rs485-1", true, undefined, true),
  spec.meterLinkEvent("M-7", "rs485-1", false, link),
  spec.quantityEvent("M-7", "rs485-1", {
    kind: "missing",
    ...quantities,
    error: "exception 02",
    retryMs: 3_600_000,
  }),
  spec.quantityEvent("M-7", "rs485-1", { kind: "back", ...quantities }),
  spec.busEvent("rs485-1", true, undefined),
  spec.busEvent("rs485-1", false, new GatewayError(ErrorCode.Timeout, "serial port /dev/ttyUSB0 vanished")),
  spec.storeFailedEvent({ lastError: "SQLITE_FULL: database or disk is full", readings: 4 }),
  spec.storeRecoveredEvent({ sinceMs: at, batches: 3, readings: 12 }),
  spec.readingEvent({ kind: "energy-rebased", reason: "decrease", fromWh: 1234567, toWh: 12 }, subject),
  spec.pendingJumpEvent(spike, 3),
  spec.heldJumpEvent(jump, 3),
  spec.readingEvent({ kind: "meter-stopped", state: "happened", powerW: 1800 }, subject),
  spec.meterReplacedEvent(subject, replacement, undefined),
  spec.jumpResolvedEvent(subject, {
    anomalyId: 3,
    action: "charge",
    energyWh: 90000,
    amount: "47.547",
    reason: "verified",
  }),
  spec.meterStatusEvent(subject, { kind: "counter", counter: "coverOpen", count: 2, previous: 1 }),
  spec.readingEvent({ kind: "clock-anomaly", anomaly: "wall-jump", skewMs: 3_600_000 }, subject),
  spec.meterDriftEvent("M-7", { busId: "rs485-1", driftMs: 420_000, maxCorrectionMs: 300_000 }),
  spec.meterClockSyncedEvent("rs485-1", [{ meterId: "M-7", driftMs: 12_000 }]),
  spec.meterStatusEvent(subject, { kind: "relay-disagrees", relay: { closed: true, openCommanded: true } }),
  spec.meterStatusEvent(subject, { kind: "relay-agrees", relay: { closed: false, openCommanded: true } }),
  spec.meterStatusEvent(subject, { kind: "counter", counter: "powerDown", count: 8, previous: 7 }),
  spec.freezeMismatchEvent(subject, {
    frozenAtMs: at,
    frozenWh: 1234000,
    lowWh: 1234500,
    highWh: 1234600,
    offByWh: 500,
  }),
  spec.configReloadedEvent(["accounts", "tariffs"], ["buses"]),
  spec.diskEvent({
    type: "disk.full",
    message: spec.diskFullMessage("/var/lib/meter-gateway", 0),
    dataDir: "/var/lib/meter-gateway",
    freeBytes: 0,
  }),
  spec.diskEvent({
    type: "disk.ok",
    message: spec.diskBackMessage("/var/lib/meter-gateway", 50 << 20, 0),
    dataDir: "/var/lib/meter-gateway",
    freeBytes: 50 << 20,
  }),
  spec.platformSilenceEvent("raised", { lastMessageMs: at, silentForMs: 1_800_000 }),
  spec.platformSilenceEvent("cleared", { lastMessageMs: at + 2_400_000, silentForMs: 2_400_000 }),
  spec.decisionEvent(
    { type: "trip-deferred-long", cut: "arrears", currentA: 48.2, sinceMs: at - 3_600_000 },
    subject,
  ),
  spec.decisionEvent({ type: "restore-blocked", restore: "balance" }, subject),
  spec.closeNotAllowedEvent("A-101", true, "meter tampering under investigation"),
  spec.closeNotAllowedEvent("A-101", false, "investigation closed"),
  spec.databaseReplacedEvent("5be0c2f4a9d13e77", "9f1c3a5e7b2d4f60", {
    readings: 18230,
    billing: 4410,
    events: 912,
  }),
  spec.databaseRestoredEvent({
    epoch: "c41d8e2a90b3f516",
    restoredEpoch: "9f1c3a5e7b2d4f60",
    previousEpoch: "9f1c3a5e7b2d4f60",
    behind: [{ stream: "billing", databaseSeq: 4302, publishedSeq: 4410 }],
    firstSeq: { readings: 17804, billing: 4303, events: 890 },
  }),
  spec.keysReloadedEvent({ commandKeys: ["2026-11", "2026-12"], uplinkKey: "up-2026-12" }),
  spec.keysReloadFailedEvent(
    "mqtt.uplinkKey.file: /etc/meter-gateway/uplink-2026-12.key: uplink key is 12 characters; at least 32 are required",
    { commandKeys: ["2026-11"], uplinkKey: "up-2026-11" },
  ),
  spec.configReloadRefusedEvent([
    "/etc/meter-gateway/config.yaml:14:7 mqtt.commandKeys[1].file: cannot read the command key file /etc/meter-gateway/command-2026-12.key: it does not exist",
  ]),
];

/**
 * The examples, each one's data checked against its type's schema, and every event type covered.
 * @throws Error naming the first example whose data does not match, or a type without an example.
 */
export function checkedEventExamples(): readonly EventSpec[] {
  for (const example of examples) {
    const parsed = eventDataSchemas[example.type].safeParse(example.data);
    if (!parsed.success) throw new Error(`event example ${example.type}: ${parsed.error.message}`);
  }
  const covered = new Set<EventType>(examples.map((e) => e.type));
  const missing = eventTypes.filter((type) => !covered.has(type));
  if (missing.length > 0) throw new Error(`no event example for ${missing.join(", ")}`);
  return examples;
}
