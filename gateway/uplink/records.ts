/**
 * The bodies of the records the gateway puts in its outbox, one schema per stream (STYLE.md
 * principle 8). The uplink wraps each body in the envelope (v, gatewayId, seq, key, timestamps,
 * historical) when it publishes. Money on the wire is a decimal string of yuan (7 decimals for ledger
 * amounts, 4 for prices); energy is integer Wh. JSON Schemas in docs/ are generated from these.
 */
import * as z from "zod";
import { lifecycleBillingBodies, transformerChargeFields } from "./records-lifecycle.ts";

/** Decimal yuan string, e.g. "-12.3456789" (up to 7 decimals): exact, never a float. */
export const moneyString = z.string().regex(/^-?\d+(\.\d{1,7})?$/, "decimal yuan string");
/** Decimal price string, yuan/kWh, up to 4 decimals, e.g. "0.5283". */
export const priceString = z.string().regex(/^\d+(\.\d{1,4})?$/, "decimal price string");
const id = z.string().min(1).max(64);

export const quantityValuesSchema = z
  .record(z.string(), z.number())
  .describe("quantity name -> value in its unit; energy in integer Wh");

/** What was unusual about a reading (docs/mqtt.md 3.3); a newer gateway may add flags. */
export const readingQualities = ["retried", "value-dropped", "clock-jump", "quantity-missing"] as const;

export const readingRecordSchema = z.strictObject({
  readingId: z.number().int().positive().describe("gateway-local reading id; charges refer to it"),
  meterId: id,
  // The gateway clock when the meter was read. It is below zero only on a box that booted at 1970 without
  // a real-time clock and then stepped back: the reading is stored and published as read (billing holds
  // it, clock-check.ts), so the contract admits it rather than refusing the whole batch.
  wallMs: z.number().int().describe("epoch ms of the gateway clock; negative only before a first clock sync"),
  monoMs: z.number().nonnegative(),
  values: quantityValuesSchema,
  relayClosed: z.boolean().optional(),
  quality: z.array(z.enum(readingQualities)),
});

/** `readings` stream: a batch of readings from one poll batch. */
export const readingsBodySchema = z.strictObject({
  kind: z.literal("readings"),
  readings: z.array(readingRecordSchema).min(1),
});

export const chargePartSchema = z.strictObject({
  energyWh: z.number().int().nonnegative(),
  price: priceString,
  period: z.string().describe("tariff period: flat, sharp, peak, shoulder(flat) or valley"),
  tier: z.number().int().nonnegative(),
  amount: moneyString,
});

export const billingBodySchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("charge"),
    accountId: id,
    meterId: id,
    readingId: z.number().int().positive(),
    energyWh: z.number().int().nonnegative(),
    amount: moneyString,
    balance: moneyString.describe("balance after the charge"),
    parts: z.array(chargePartSchema),
    ...transformerChargeFields,
  }),
  z.strictObject({
    kind: z.literal("topup"),
    status: z.enum(["applied", "duplicate", "refused"]),
    accountId: id,
    purchaseSeq: z.number().int().nonnegative(),
    paymentRef: z.string(),
    orderNo: z.string().optional().describe("the platform's purchase order number (购电单号), when sent"),
    amountFen: z
      .number()
      .int()
      .positive()
      .describe("whole fen, > 0: the applied amount, or the request's for duplicate and refused"),
    balance: moneyString,
    reason: z.string().optional().describe("why a top-up was refused"),
    source: z.enum(["uplink", "local"]).describe("platform command or local technician command"),
  }),
  z.strictObject({
    kind: z.literal("adjustment"),
    accountId: id,
    amount: moneyString,
    balance: moneyString,
    reason: z.string(),
    operator: z.string().optional().describe("who made it (the adjustment command); absent: the gateway"),
    source: z.enum(["uplink", "local"]).optional().describe("platform command or local technician command"),
  }),
  ...lifecycleBillingBodies,
  z.strictObject({
    kind: z.literal("anomaly"),
    status: z.enum(["charged", "waived"]),
    anomalyId: z.number().int().positive(),
    accountId: id,
    meterId: id,
    energyWh: z.number().int().nonnegative().describe("the held energy jump"),
    amount: moneyString.describe("charged (0 when waived)"),
    balance: moneyString,
    reason: z.string(),
  }),
  z.strictObject({
    kind: z.literal("balance"),
    accountId: id,
    balance: moneyString,
    moneyState: z.enum(["normal", "warning1", "warning2", "overdraft", "exhausted"]),
  }),
  z.strictObject({
    kind: z.enum(["daily", "monthly"]),
    period: z.string().describe("YYYY-MM-DD (daily) or YYYY-MM (monthly), gateway time zone"),
    accountId: id,
    meterId: id,
    energyWh: z
      .number()
      .int()
      .nonnegative()
      .describe("register at toMs minus register at fromMs (Wh); see 'Daily and monthly records'"),
    fromMs: z.number().int().describe("wall time of the reading the energy starts from, epoch ms"),
    toMs: z.number().int().describe("wall time of the last reading before the freeze, epoch ms"),
    amount: moneyString.describe("the meter's charges posted since its previous record"),
    closingBalance: moneyString,
    closingEnergyWh: z
      .number()
      .int()
      .nonnegative()
      .describe("meter import register at toMs (the last reading before the freeze)"),
  }),
]);

export const eventTypes = [
  "alarm.raised",
  "alarm.cleared",
  "cut.announced",
  "cut.cancelled",
  "cut.deferred",
  "cut.held",
  "cut.done",
  "restore.done",
  // A restore by allow-close: the close is allowed (restore.allowed), then the customer closes it.
  "restore.allowed",
  "restore.customer-closed",
  "restore.withheld",
  "restore.deferred",
  "relay.failed",
  "relay.mismatch",
  "relay.mismatch.cleared",
  "protection.on",
  "protection.off",
  "command.executed",
  "command.refused",
  "meter.online",
  "meter.offline",
  "meter.quantity-missing",
  "meter.quantity-restored",
  "bus.up",
  "bus.down",
  // Batches of readings that cannot be stored (so are not billed), and storing again.
  "store.failed",
  "store.recovered",
  "anomaly.reading-decrease",
  "anomaly.implausible-delta",
  "anomaly.meter-stopped",
  "anomaly.meter-replaced",
  "anomaly.resolved",
  "tamper",
  "clock.anomaly",
  // Meter clocks (DL/T 645 broadcast time sync).
  "clock.meter-drift",
  "clock.meter-synced",
  // A meter's own status (DL/T 645 status word 3, event counters).
  "relay.state-disagrees",
  "relay.state-agrees",
  "meter.power-down",
  "meter.freeze-mismatch",
  "config.reloaded",
  "disk.full",
  "disk.ok",
  // Cost-control safeguards (policy keep-power and heavy-load settings, close-not-allowed).
  "keep-power.silence",
  "keep-power.silence.cleared",
  "cut.load-deferred-long",
  "restore.blocked",
  "close-not-allowed.on",
  "close-not-allowed.off",
  // The streams' identity: a new database, or one older than what was published (docs/mqtt.md 3.2).
  "stream.database-replaced",
  "stream.database-restored",
  // Keys: a reload that changed them, or could not (docs/provisioning.md), and a refused reload.
  "keys.reloaded",
  "keys.reload-failed",
  "config.reload-refused",
] as const;

/** `events` stream: one event. `data` holds the type's details (documented in docs/mqtt.md). */
export const eventBodySchema = z.strictObject({
  kind: z.literal("event"),
  type: z.enum(eventTypes),
  severity: z.enum(["info", "warning", "critical"]),
  meterId: id.optional(),
  accountId: id.optional(),
  message: z.string().describe("one line for people"),
  data: z
    .record(z.string(), z.unknown())
    .describe("the type's details; its schema is event-data.schema.json#/$defs/{type} (event-data.ts)"),
});

/**
 * `requests` stream: what a customer entered at a prepayment terminal, forwarded as entered (the gateway
 * never decodes a token nor credits anything: docs/terminals.md). The envelope's `key`
 * (`terminal:{terminalId}:{entryId}`) is the idempotency key; the platform answers with the signed
 * `terminal.answer` command and credits through the signed `topup`.
 */
const terminalEntryShape = {
  terminalId: id,
  accountId: id,
  entryId: z.number().int().positive().max(0xffffffff).describe("the terminal's number for the entry"),
  readAtMs: z.number().int().describe("when the gateway read the entry from the terminal, epoch ms"),
};
export const terminalRequestBodySchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("terminal.token"),
    ...terminalEntryShape,
    token: z
      .string()
      .regex(/^\d{20}$/, "20 digits")
      .describe("the token as typed (STS: 20 digits)"),
  }),
  z.strictObject({
    kind: z.literal("terminal.purchase"),
    ...terminalEntryShape,
    amountFen: z.number().int().positive().describe("purchase amount asked for at the terminal, fen"),
    reference: z.string().max(64).describe("card or receipt reference as the terminal gave it"),
  }),
]);

export type ReadingsBody = z.infer<typeof readingsBodySchema>;
export type TerminalRequestBody = z.infer<typeof terminalRequestBodySchema>;
export type BillingBody = z.infer<typeof billingBodySchema>;
export type EventBody = z.infer<typeof eventBodySchema>;
export type EventType = (typeof eventTypes)[number];

/** Outbox streams and their bodies: the one typed map from stream to schema. */
export const streamSchemas = {
  readings: readingsBodySchema,
  billing: billingBodySchema,
  events: eventBodySchema,
  requests: terminalRequestBodySchema,
} as const;

export type StreamName = keyof typeof streamSchemas;
export type StreamBody<S extends StreamName> = z.infer<(typeof streamSchemas)[S]>;
