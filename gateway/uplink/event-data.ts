/**
 * The `data` of every event type on the `events` stream (records.ts), as the builders in event-specs/
 * make it. Published as docs/schemas/event-data.schema.json (one `$defs` entry per type) and checked
 * against real builder output by the docs generator (schemas/event-examples.ts), so a builder that
 * changes its data without this table fails `npm run schemas` and `schemas:check`.
 */
import * as z from "zod";
import type { EventType } from "./records.ts";
import { moneyString } from "./records.ts";

const int = z.number().int();
const ms = int.describe("epoch ms");
const wh = int.describe("Wh");
const text = z.string();
const relayOutcome = z.strictObject({
  reason: text.describe("why the relay moved (arrears, remote, topup, ...)"),
  relayOpId: int.positive().describe("audit id of the relay operation"),
  redrive: int.nullable().describe("re-drive attempt of a mismatch, null for a first drive"),
});
const threshold = z.strictObject({
  level: z.enum(["warning1", "warning2", "overdraft", "exhausted"]),
  balance: moneyString,
  threshold: moneyString.describe("the crossed level, yuan"),
});
const counter = (signal: z.ZodType) => z.strictObject({ signal, count: int, previousCount: int });
const meterLink = z.strictObject({
  busId: text,
  lastError: z.strictObject({ code: text, message: text, atMs: ms }).nullable(),
});
const quantity = z.strictObject({
  busId: text,
  quantities: z.array(text),
  request: text.describe('the Modbus read, e.g. "FC03 0xFC00 x2"'),
  error: text.optional(),
  retryMs: int.optional().describe("when it is asked again, ms from the event"),
});
const relayState = z.strictObject({ relayClosed: z.boolean(), openCommanded: z.boolean().nullable() });
const disk = z.strictObject({ dataDir: text, freeBytes: int.nullable() });
const refusedCommand = z.strictObject({
  command: text,
  transaction: text.nullable().describe("null when the request had none that could be read"),
  code: text.describe("the error code of the response"),
  message: text,
  suppressedBefore: int.optional().describe("refusals answered but not logged since the previous one"),
  source: text.optional().describe("a technician's action on the gateway itself"),
});
const refusedRemoteCut = z.strictObject({ commandId: text, reason: z.literal("protected") });
const spike = z.strictObject({
  deltaWh: wh,
  maxPlausibleWh: wh.describe("Wh, whole: maxPowerW x elapsed time rounded down, + 20 Wh"),
  elapsedMs: z.number().describe("monotonic ms since the baseline reading"),
  anomalyId: int.positive(),
});
const persistentJump = z.strictObject({
  reason: z.literal("persistent-jump"),
  fromWh: wh,
  toWh: wh,
  anomalyId: int.positive(),
});
const resolved = z.union([
  z.strictObject({ anomaly: z.literal("meter-stopped") }),
  z.strictObject({ anomaly: z.literal("meter-replaced"), oldSerial: int, newSerial: int, reason: text }),
  z.strictObject({
    anomalyId: int.positive(),
    action: z.enum(["charge", "waive"]),
    energyWh: wh,
    amount: moneyString,
    reason: text,
  }),
]);

const silence = z.strictObject({
  lastMessageMs: ms.nullable().describe("last valid platform message, epoch ms; null: none since start"),
  silentForMs: z.number().int().nonnegative(),
});

/** `data` of each event type; a type with several causes has one alternative per cause. */
export const eventDataSchemas: { readonly [T in EventType]: z.ZodType } = {
  "alarm.raised": threshold,
  "alarm.cleared": threshold,
  "cut.announced": z.strictObject({ plannedAtMs: ms, balance: moneyString }),
  "cut.cancelled": z.strictObject({ reason: text }),
  "cut.deferred": z.strictObject({ cut: text, reason: text, untilMs: ms.nullable() }),
  "cut.held": z.strictObject({ cut: text, reason: text }),
  "cut.done": relayOutcome,
  "restore.done": relayOutcome,
  "restore.allowed": relayOutcome,
  "restore.customer-closed": z.strictObject({}),
  "restore.withheld": z.strictObject({ balance: moneyString, closeAllowedMin: moneyString }),
  "restore.deferred": z.strictObject({ reason: text, untilMs: ms.nullable() }),
  "relay.failed": z.strictObject({
    action: z.enum(["cut", "restore"]),
    reason: text,
    relayOpId: int.positive(),
    error: text.nullable(),
  }),
  "relay.mismatch": z.strictObject({
    expected: z.enum(["open", "closed"]),
    actual: z.enum(["open", "closed"]),
  }),
  "relay.mismatch.cleared": z.strictObject({ position: z.enum(["open", "closed"]) }),
  "protection.on": z.strictObject({ reason: text, untilMs: ms.nullable() }),
  "protection.off": z.union([
    z.strictObject({ cause: z.enum(["released", "expired"]) }),
    z.strictObject({ reason: text, untilMs: ms.nullable() }),
  ]),
  "command.executed": z.strictObject({ command: text, transaction: text, source: text.optional() }),
  "command.refused": z.union([refusedCommand, refusedRemoteCut]),
  "meter.online": meterLink,
  "meter.offline": meterLink,
  "meter.quantity-missing": quantity,
  "meter.quantity-restored": quantity,
  "bus.up": z.strictObject({ busId: text, error: text.nullable() }),
  "bus.down": z.strictObject({ busId: text, error: text.nullable() }),
  "store.failed": z.strictObject({ error: text, readings: int }),
  "store.recovered": z.strictObject({ sinceMs: ms, batches: int, readings: int }),
  "anomaly.reading-decrease": z.strictObject({ reason: z.literal("decrease"), fromWh: wh, toWh: wh }),
  "anomaly.implausible-delta": z.union([spike, persistentJump]),
  "anomaly.meter-stopped": z.strictObject({ powerW: z.number() }),
  "anomaly.meter-replaced": z.strictObject({
    oldSerial: int,
    newSerial: int,
    oldEnergyWh: wh.nullable(),
    newEnergyWh: wh,
    confirmed: z.boolean(),
    superseded: int.nullable(),
  }),
  "anomaly.resolved": resolved,
  tamper: counter(z.enum(["cover-open", "magnetic-interference"])),
  "clock.anomaly": z.strictObject({
    anomaly: z.enum(["wall-backwards", "wall-jump", "monotonic-reset", "wall-implausible"]),
    skewMs: z.number(),
  }),
  "clock.meter-drift": z.strictObject({ busId: text, driftMs: z.number(), maxCorrectionMs: z.number() }),
  "clock.meter-synced": z.strictObject({
    busId: text,
    corrected: z.array(z.strictObject({ meterId: text, driftMs: z.number() })),
  }),
  "relay.state-disagrees": relayState,
  "relay.state-agrees": relayState,
  "meter.power-down": counter(z.literal("power-down")),
  "meter.freeze-mismatch": z.strictObject({
    frozenAtMs: ms,
    frozenWh: wh,
    lowWh: wh,
    highWh: wh,
    offByWh: wh,
  }),
  "config.reloaded": z.strictObject({ applied: z.array(text), needsRestart: z.array(text) }),
  "disk.full": disk,
  "disk.ok": disk,
  "keep-power.silence": silence,
  "keep-power.silence.cleared": silence,
  "cut.load-deferred-long": z.strictObject({ cut: text, currentA: z.number(), sinceMs: ms }),
  "restore.blocked": z.strictObject({ restore: text }),
  "close-not-allowed.on": z.strictObject({ reason: text }),
  "close-not-allowed.off": z.strictObject({ reason: text }),
  "stream.database-replaced": z.strictObject({
    epoch: text.describe("the new database's stream epoch"),
    previousEpoch: text.describe("the epoch the broker's retained status named"),
    previousAckedSeq: z.record(text, int).describe("stream -> seq acknowledged through, in that epoch"),
  }),
  "stream.database-restored": z.strictObject({
    epoch: text.describe("the new stream epoch of the records from now on"),
    restoredEpoch: text.describe("the epoch of the restored database (its records keep it)"),
    previousEpoch: text.describe("the epoch the broker's retained status named"),
    behind: z
      .array(z.strictObject({ stream: text, databaseSeq: int, publishedSeq: int }))
      .describe("streams whose last seq here is below the seq acknowledged through"),
    firstSeq: z.record(text, int).describe("stream -> first seq of the new epoch"),
  }),
  "keys.reloaded": z.strictObject({ commandKeys: z.array(text), uplinkKey: text.nullable() }),
  "keys.reload-failed": z.strictObject({
    problem: text,
    commandKeys: z.array(text).describe("the command key ids still in force"),
    uplinkKey: text.nullable().describe("the uplink key id still in force"),
  }),
  "config.reload-refused": z.strictObject({
    problems: z.array(text).describe("each as check-config prints it: file:line:col path: message"),
  }),
};
