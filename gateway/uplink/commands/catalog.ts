/**
 * The command contract: one typed map from command name to request and result schema (STYLE.md
 * principle 8). A request is one flat JSON object: the common fields below plus the command's own.
 * Mutations change gateway state and run inside the unit of work that remembers the transaction;
 * queries only read and may take time (a meter read goes over the bus).
 */
import * as z from "zod";
import { epochMsSchema } from "../envelope.ts";
import { moneyString } from "../records.ts";
import { requestBaseKeys, requestBaseShape, request } from "./request-base.ts";
import { readingSchema } from "./reading-schema.ts";
import * as history from "./history-schemas.ts";
import { terminalCommands } from "./terminal-commands.ts";
import { timeCheckResultSchema } from "./time-check-result.ts";
import { tariffEffectiveFromSchema, tariffSetResultFields } from "./tariff-set-fields.ts";
import { lifecycleCommands, orderNoRequest, orderNoResult } from "./catalog-lifecycle.ts";

/** Account, meter and tariff ids as the config allows them. */
const idSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1..64 of letters, digits, '_', '-', '.'");
const nonNegativeMoney = z.string().regex(/^\d+(\.\d{1,7})?$/, "non-negative decimal yuan string");
const restoreModeSchema = z.enum(["direct", "allow-close"]);
const reasonSchema = z.string().min(1).max(200).describe("why, for the audit trail: 1..200 characters");

export { requestBaseKeys, requestBaseShape, transactionSchema } from "./request-base.ts";

const thresholdFields = {
  alarm1: nonNegativeMoney.optional().describe("first low-credit warning level, yuan"),
  alarm2: nonNegativeMoney.optional().describe("second warning level, yuan, <= alarm1"),
  overdraftLimit: nonNegativeMoney.optional().describe("usage may continue down to -overdraftLimit, yuan"),
  hoardingLimit: nonNegativeMoney.optional().describe("top-ups above this balance are refused, yuan"),
  closeAllowedMin: moneyString.optional().describe("after a cut, restore only above this balance, yuan"),
};

/** What `account.set` can change: a request must name at least one. */
const accountSetFields = ["tariff", "restoreMode", ...Object.keys(thresholdFields)] as (
  "tariff" | keyof typeof thresholdFields
)[];

/** Every command: request schema, result schema (the `result` of an `ok` response) and kind. */
export const commandCatalog = {
  topup: {
    kind: "mutation",
    summary: "credit an account; deduplicated by purchaseSeq (the purchase count)",
    request: request({
      account: idSchema,
      amountFen: z.number().int().min(1).max(100_000_000).describe("amount in fen (0.01 yuan): 1..100000000"),
      purchaseSeq: z.number().int().min(1).max(2_147_483_647).describe("purchase count: last applied + 1"),
      paymentRef: z.string().min(1).max(128).describe("payment reference, for reconciliation"),
      orderNo: orderNoRequest,
    }),
    result: z.strictObject({
      status: z
        .enum(["applied", "duplicate"])
        .describe("duplicate: this same purchase was already applied; nothing credited"),
      account: idSchema,
      purchaseSeq: z.number().int().positive(),
      amountFen: z.number().int().positive().describe("the applied purchase's amount, fen"),
      paymentRef: z.string().describe("the applied purchase's payment reference"),
      orderNo: orderNoResult,
      balance: moneyString.describe("balance right after the purchase was credited, yuan"),
    }),
  },
  relay: {
    kind: "mutation",
    summary: "cut or restore a meter's supply; the switching outcome follows on the events stream",
    request: request({
      meter: idSchema,
      action: z.enum(["cut", "restore"]),
      reason: reasonSchema,
    }),
    result: z.strictObject({
      meter: idSchema,
      action: z.enum(["cut", "restore"]),
      relayOpId: z.number().int().positive().describe("audit id of the relay operation"),
      state: z
        .enum(["queued", "done"])
        .describe("queued: it will be carried out; see cut.done / restore.done"),
    }),
  },
  "relay.forward": {
    kind: "forward",
    summary:
      "forward a relay command the platform encrypted (ESAM meters, password level 98) to a meter as DL/T 645 0x1C; answers with the meter's reply",
    request: request({
      meter: idSchema,
      action: z.enum(["cut", "restore"]).describe("what the encrypted command does, for the audit trail"),
      block: z
        .string()
        .regex(/^([0-9a-fA-F]{2}){1,200}$/, "1..200 bytes as hex")
        .describe("the encrypted N1..N8 block as the platform's ESAM produced it, hex, sent as given"),
      mac: z
        .string()
        .regex(/^([0-9a-fA-F]{2}){0,8}$/, "0..8 bytes as hex")
        .describe("the MAC over the block (4 bytes on State Grid meters), hex, appended after it"),
      reason: reasonSchema,
    }),
    result: z.strictObject({
      meter: idSchema,
      action: z.enum(["cut", "restore"]),
      relayOpId: z.number().int().positive().describe("audit id of the relay operation"),
      answer: z
        .enum(["accepted", "refused", "no-reply"])
        .describe("accepted: the meter answered 9C; refused: DC; no-reply: the bus failed (see error)"),
      errorBits: z.number().int().min(0).max(255).optional().describe("a refusal's error byte"),
      errors: z.array(z.string()).optional().describe("its bits in words, e.g. unauthorised"),
      error: z.string().optional().describe("the bus error when there was no reply"),
      relay: z
        .enum(["open", "closed", "unknown"])
        .describe("the relay as read back after an accepted command (status word 3)"),
    }),
  },
  protect: {
    kind: "mutation",
    summary: "turn keep-power (never cut) on or off for an account",
    request: request({
      account: idSchema,
      on: z.boolean(),
      until: epochMsSchema
        .nullable()
        .optional()
        .describe(
          "end of keep-power, epoch ms, after the gateway's clock (else UNTIL_PASSED); absent/null: until released",
        ),
      reason: reasonSchema,
    }),
    result: z.strictObject({
      account: idSchema,
      on: z.boolean(),
      until: epochMsSchema.nullable(),
    }),
  },
  "account.set": {
    kind: "mutation",
    summary: "change an account's tariff and thresholds; omitted fields keep their value",
    request: request({
      account: idSchema,
      tariff: idSchema.optional(),
      ...thresholdFields,
      restoreMode: restoreModeSchema
        .optional()
        .describe(
          "how its meters restore: direct, or allow-close (the customer presses the meter's button; DL/T 645 meters, others stay direct); a meter's configured restoreMode wins",
        ),
    })
      .refine((r) => accountSetFields.some((k) => r[k] !== undefined), {
        error: `set at least one of ${accountSetFields.join(", ")}`,
      })
      // The same rule in the published JSON Schema, which a refine does not reach.
      .meta({ anyOf: accountSetFields.map((k) => ({ required: [k] })) }),
    result: z.strictObject({
      account: idSchema,
      tariff: idSchema.nullable(),
      alarm1: nonNegativeMoney,
      alarm2: nonNegativeMoney,
      overdraftLimit: nonNegativeMoney,
      hoardingLimit: nonNegativeMoney,
      closeAllowedMin: moneyString,
      restoreMode: restoreModeSchema.describe("the account's restore mode now"),
    }),
  },
  "tariff.set": {
    kind: "mutation",
    summary: "create or replace a tariff (same shape as a tariffs[] entry of the config file)",
    request: request({
      tariff: z
        .looseObject({ id: idSchema, kind: z.string().min(1).max(32) })
        .describe("tariff definition, e.g. { id, kind: 'flat', price: '0.5283' }; checked by the gateway"),
      effectiveFrom: tariffEffectiveFromSchema,
    }),
    result: z.strictObject({
      tariff: idSchema,
      kind: z.string(),
      updatedAtMs: epochMsSchema,
      effectiveFromMs: epochMsSchema.describe("energy used from then on is charged at this version"),
      ...tariffSetResultFields,
    }),
  },
  "anomaly.resolve": {
    kind: "mutation",
    summary:
      "charge or waive an implausible energy jump that was held, not charged (see anomaly.implausible-delta)",
    request: request({
      meter: idSchema,
      anomaly: z.number().int().positive().describe("the held anomaly's id, from the event's data.anomalyId"),
      action: z
        .enum(["charge", "waive"])
        .describe("charge: bill the held energy at the tariff; waive: never bill it"),
      reason: reasonSchema,
    }),
    result: z.strictObject({
      meter: idSchema,
      anomaly: z.number().int().positive(),
      action: z.enum(["charge", "waive"]),
      energyWh: z.number().int().nonnegative(),
      amount: moneyString.describe("charged, yuan (0 when waived)"),
      balance: moneyString.describe("account balance after, yuan"),
    }),
  },
  "meter.replace.confirm": {
    kind: "mutation",
    summary:
      "confirm that a meter was replaced (see anomaly.meter-replaced); until then it is billed from the new register",
    request: request({
      meter: idSchema,
      serial: z
        .number()
        .int()
        .min(0)
        .max(4_294_967_295)
        .describe("serial number of the new meter as installed (data.newSerial of the event)"),
      reason: reasonSchema,
    }),
    result: z.strictObject({
      meter: idSchema,
      oldSerial: z.number().int().nonnegative(),
      newSerial: z.number().int().nonnegative(),
      oldEnergyWh: z
        .number()
        .int()
        .nonnegative()
        .nullable()
        .describe("old meter's register at its last billed reading, Wh"),
      newEnergyWh: z.number().int().nonnegative().describe("new meter's register at its first reading, Wh"),
    }),
  },
  "meter.read": {
    kind: "query",
    summary: "read a meter now and answer with the reading",
    request: request({ meter: idSchema }),
    result: z.strictObject({ meter: idSchema, reading: readingSchema }),
  },
  "time.check": {
    kind: "query",
    summary: "the gateway's clock, to detect skew",
    request: request({}),
    result: timeCheckResultSchema,
  },
  "config.get": {
    kind: "query",
    summary: "the running configuration, secrets removed",
    request: request({}),
    result: z.strictObject({
      config: z
        .record(z.string(), z.unknown())
        .describe(
          "the configuration in force now: accounts and tariffs as stored (after account.set, tariff.set, reloads) with each account's current balance and lastPurchaseSeq, tariffNextFromMs and tierCounter; tariffs: each tariff's current set, tariffNext: the next sets and their switch-over; file contents are never included",
        ),
    }),
  },
  "close-not-allowed": {
    kind: "mutation",
    summary: "set (on) or lift (off) an account's close-not-allowed: no close of its meters until lifted",
    request: request({ account: idSchema, on: z.boolean(), reason: reasonSchema }),
    result: z.strictObject({
      account: idSchema,
      on: z.boolean(),
      since: epochMsSchema.nullable().describe("when it was set, epoch ms; null when lifted"),
    }),
  },
  history: {
    ...history.entry,
    request: request(history.requestFields).refine(history.rangeOk, history.rangeRule),
  },
  ...terminalCommands,
  ...lifecycleCommands(requestBaseShape),
} as const;

/** Command names: the last level of `request/{command}`. */
export type CommandName = keyof typeof commandCatalog;
export const commandNames = Object.keys(commandCatalog) as CommandName[];

/** The full request of a command, as received. */
export type CommandRequest<C extends CommandName = CommandName> = z.infer<
  (typeof commandCatalog)[C]["request"]
>;
/** The command's own fields: the request without the common fields. */
export type CommandParams<C extends CommandName> = Omit<CommandRequest<C>, keyof typeof requestBaseShape>;
/** What an `ok` response carries as `result`. */
export type CommandResult<C extends CommandName> = z.infer<(typeof commandCatalog)[C]["result"]>;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commandCatalog, name);
}

/** The request without the common fields. */
export function paramsOf<C extends CommandName>(request: CommandRequest<C>): CommandParams<C> {
  const params: Record<string, unknown> = { ...request };
  for (const key of requestBaseKeys) delete params[key];
  return params as CommandParams<C>;
}
