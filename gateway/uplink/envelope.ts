/**
 * The envelope every outbox record travels in (STYLE.md principle 8). It is built at publish time from the
 * stored row, so a replayed record carries the same `seq`, `key` and timestamps as its first attempt and
 * only `historical` tells the two apart. A consumer deduplicates on `key` (or `stream` + `epoch` + `seq`)
 * and detects a gap when `seq` skips a number within a stream's epoch.
 */
import * as z from "zod";
import type { OutboxRecord, StoredOutboxRecord } from "../store/index.ts";
import type { StreamName } from "./records.ts";
import { streamSchemas } from "./records.ts";
import { sealFields } from "./keys/seal-fields.ts";

/** Contract version carried as `v` in every message; bumped on an incompatible change. */
export const CONTRACT_VERSION = 1;

/**
 * Where the published schemas of this contract version live: each file of docs/schemas/ is
 * `${schemaIdBase}<name>.schema.json`, its `$id`. A v2 gets new ids, so a v1 schema never changes meaning.
 */
export const schemaIdBase = `https://meter-gateway.example/schemas/v${CONTRACT_VERSION}/`;

export const contractVersionSchema = z.literal(CONTRACT_VERSION).describe("contract version");
export const gatewayIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .describe("gateway id, also the topic level after the prefix");
export const epochMsSchema = z.number().int().nonnegative().describe("wall-clock time, epoch milliseconds");

/** A stream epoch: 16 lowercase hex digits, new with each database (docs/mqtt.md 3.1). */
export const epochSchema = z
  .string()
  .regex(/^[0-9a-f]{16}$/)
  .describe("stream epoch: random id of the database that numbered seq; 16 lowercase hex digits");

function envelopeSchema<S extends StreamName>(stream: S) {
  return z.strictObject({
    v: contractVersionSchema,
    gatewayId: gatewayIdSchema,
    stream: z.literal(stream),
    epoch: epochSchema,
    seq: z
      .number()
      .int()
      .positive()
      .describe("1, 2, 3 ... per stream and epoch, no gap, never reused, also across restarts"),
    key: z
      .string()
      .min(1)
      .describe(
        "idempotency key, unique per gateway across databases: `{epoch}:{id}`; the same record always has the same key",
      ),
    wallMs: epochMsSchema.describe("wall-clock time the record was created, epoch ms"),
    monoMs: z
      .number()
      .int()
      .nonnegative()
      .describe("monotonic ms when the record was created; comparable only within one gateway process run"),
    historical: z
      .boolean()
      .describe("true when replayed from the backlog (created before the current broker connection)"),
    body: streamSchemas[stream],
    ...sealFields,
  });
}

/** The envelope schema per stream: what arrives on `{prefix}/{gatewayId}/{stream}`. */
export const streamEnvelopeSchemas = {
  readings: envelopeSchema("readings"),
  billing: envelopeSchema("billing"),
  events: envelopeSchema("events"),
  requests: envelopeSchema("requests"),
} as const;

/** A published stream message. */
export type StreamEnvelope<S extends StreamName = StreamName> = z.infer<(typeof streamEnvelopeSchemas)[S]>;

/** The streams, in the order the publisher serves them. */
export const streamNames: readonly StreamName[] = ["events", "billing", "readings", "requests"];

/** True when `stream` is one of the contract's streams. */
export function isStreamName(stream: string): stream is StreamName {
  return Object.hasOwn(streamSchemas, stream);
}

/**
 * Wraps a stored outbox record for publishing. `epoch` is the epoch the record belongs to; it prefixes
 * the key, so keys of two databases never collide.
 */
export function buildEnvelope(
  record: OutboxRecord,
  gatewayId: string,
  historical: boolean,
  epoch: string,
): StreamEnvelope {
  return { ...envelopeHead(record, gatewayId, historical, epoch), body: record.payload } as StreamEnvelope;
}

/**
 * The envelope of a record as published, UTF-8 JSON: {@link buildEnvelope}'s text, with the record's
 * stored payload JSON put in as `body` (the last key) unparsed, so the bytes are the same. Bytes, not a
 * string: a readings record's payload is some 100 kB, and as a string it was flattened in V8's
 * large-object space for MQTT.js's length count and encoded again by the socket.
 */
export function envelopeBytes(
  record: StoredOutboxRecord,
  gatewayId: string,
  historical: boolean,
  epoch: string,
): Buffer {
  const head = JSON.stringify(envelopeHead(record, gatewayId, historical, epoch));
  const open = `${head.slice(0, -1)},"body":`;
  const openBytes = Buffer.byteLength(open);
  const body = record.payloadJson;
  const out = Buffer.allocUnsafe(openBytes + body.length + 1);
  out.write(open, 0, "utf8");
  body.copy(out, openBytes);
  out[out.length - 1] = 0x7d; // "}"
  return out;
}

/** The envelope's keys before `body`, in the contract's order. */
function envelopeHead(
  record: Omit<OutboxRecord, "payload">,
  gatewayId: string,
  historical: boolean,
  epoch: string,
) {
  return {
    v: CONTRACT_VERSION,
    gatewayId,
    stream: record.stream,
    epoch,
    seq: record.seq,
    key: `${epoch}:${record.key}`,
    wallMs: record.createdAtMs,
    monoMs: Math.trunc(record.createdMonoMs),
    historical,
  };
}
