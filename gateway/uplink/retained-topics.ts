/**
 * The two retained topics: gateway availability (`status`, also the last will) and the latest state of
 * each meter. Retained messages are "latest wins", so they are published directly, never from the outbox.
 */
import * as z from "zod";
import { contractVersionSchema, epochMsSchema, epochSchema, gatewayIdSchema } from "./envelope.ts";
import { moneyString, quantityValuesSchema } from "./records.ts";
import { sealFields } from "./keys/seal-fields.ts";

const count = z.number().int().nonnegative();

/** Meter counts the composition root reports for the status topic. */
export const meterCountsSchema = z.strictObject({
  total: count.describe("configured meters"),
  online: count.describe("meters answering polls"),
  offline: count.describe("meters not answering"),
});

/** What a platform needs to know which contract this gateway speaks (docs/mqtt.md section 1.1). */
export const contractInfoSchema = z.strictObject({
  version: z.number().int().positive().describe("contract version, as `v` of every message"),
  schemas: z.string().describe("base URL of this version's schema ids: `<schemas><name>.schema.json`"),
  streams: z.array(z.string()).describe("the streams this gateway publishes"),
  commands: z.array(z.string()).describe("the commands this gateway accepts under request/"),
});
export type ContractInfo = z.infer<typeof contractInfoSchema>;

/** Which numbering the streams are in and how far the broker has acknowledged it (docs/mqtt.md 3.2, 4). */
const streamPositionShape = {
  epoch: epochSchema.describe("the stream epoch new records get (envelope `epoch`)"),
  ackedSeq: z
    .record(z.string(), count)
    .describe("stream -> seq through which the broker has acknowledged every record (0: none)"),
};

const onlineStatusSchema = z.strictObject({
  v: contractVersionSchema,
  gatewayId: gatewayIdSchema,
  state: z.literal("online"),
  version: z.string().describe("gateway software version"),
  wallMs: epochMsSchema.describe("when this status was published"),
  startedAtMs: epochMsSchema.describe("when the gateway process started"),
  uptimeSec: count.describe("seconds since the gateway process started"),
  meters: meterCountsSchema,
  backlog: z.strictObject({
    total: count.describe("outbox records not yet acknowledged by the broker"),
    byStream: z.record(z.string(), count).describe("stream -> unacknowledged records"),
  }),
  lastPublishAtMs: epochMsSchema.nullable().describe("when the broker last acknowledged an outbox record"),
  contract: contractInfoSchema,
  ...streamPositionShape,
  keys: z
    .strictObject({
      commandKeys: z.array(z.string()).describe("ids of the command keys accepted now"),
      uplinkKey: z.string().nullable().describe("id of the key this gateway signs with; null: unsigned"),
    })
    .optional()
    .describe("the key ids in force (never key material): watch it during a rotation"),
  ...sealFields,
});

const offlineStatusSchema = z.strictObject({
  v: contractVersionSchema,
  gatewayId: gatewayIdSchema,
  state: z.literal("offline"),
  reason: z
    .enum(["shutdown", "connection-lost"])
    .describe("shutdown: clean stop; connection-lost: the broker published the last will"),
  version: z.string(),
  wallMs: epochMsSchema.describe("shutdown: when it stopped; connection-lost: when that connection was made"),
  ...streamPositionShape,
  ...sealFields,
});

/** `{prefix}/{gatewayId}/status`, retained. */
export const statusSchema = z.discriminatedUnion("state", [onlineStatusSchema, offlineStatusSchema]);
export type StatusPayload = z.infer<typeof statusSchema>;
export type MeterCounts = z.infer<typeof meterCountsSchema>;

/** What the composition root reports for the status topic; the uplink adds the rest. */
export interface StatusInfo {
  readonly meters: MeterCounts;
}

/** `{prefix}/{gatewayId}/meters/{meterId}/state`, retained. */
export const meterStateSchema = z.strictObject({
  v: contractVersionSchema,
  gatewayId: gatewayIdSchema,
  meterId: z.string().min(1).max(64),
  wallMs: epochMsSchema.describe("when this state was produced"),
  online: z.boolean().describe("the meter answered its last poll"),
  lastSeenMs: epochMsSchema.nullable().describe("last successful poll, null if never"),
  reading: z
    .strictObject({
      readingId: z.number().int().positive().optional(),
      wallMs: epochMsSchema,
      values: quantityValuesSchema,
    })
    .nullable()
    .describe("latest reading, null before the first"),
  accountId: z.string().nullable().describe("prepaid account billed for this meter, if any"),
  balance: moneyString.nullable().describe("account balance, yuan"),
  moneyState: z.enum(["normal", "warning1", "warning2", "overdraft", "exhausted"]).nullable(),
  relay: z.enum(["closed", "open", "unknown"]).describe("closed = supply on, open = supply cut"),
  ...sealFields,
});
export type MeterStatePayload = z.infer<typeof meterStateSchema>;
/** What {@link Uplink.publishMeterState} takes: the payload without the fields the uplink fills in. */
export type MeterState = Omit<MeterStatePayload, "v" | "gatewayId" | "meterId" | "kid" | "sig">;
