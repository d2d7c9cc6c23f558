/**
 * `request/history` (docs/mqtt.md 6.3, "history"): a platform asks for a range of one stream's records of
 * one epoch again, after the broker acknowledged them (the gateway's store is then the only other copy).
 */
import * as z from "zod";
import { epochSchema } from "../envelope.ts";

/** Most records one history request may ask for: toSeq - fromSeq + 1 <= this. */
export const maxHistoryRecords = 1000;

const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const seqRange = z.strictObject({ fromSeq: seq, toSeq: seq });

/** The catalog's one-line summary. */
export const summary = `republish one stream's stored records of one epoch, a seq range of at most ${maxHistoryRecords}, on the stream's topic flagged historical`;

/** The command's own fields. */
export const requestFields = {
  stream: z.enum(["readings", "billing", "events"]).describe("the stream to republish from"),
  epoch: epochSchema.describe("the epoch the seq range belongs to (envelope `epoch`)"),
  fromSeq: seq.describe("first seq wanted"),
  toSeq: seq.describe(`last seq wanted, fromSeq .. fromSeq + ${maxHistoryRecords - 1}`),
};

/** The request rule a JSON Schema cannot state: a range of 1 .. maxHistoryRecords seqs. */
export const rangeRule = {
  error: `toSeq must be fromSeq .. fromSeq + ${maxHistoryRecords - 1}`,
  path: ["toSeq"],
};

/** Whether a request keeps {@link rangeRule}. */
export function rangeOk(request: { fromSeq: number; toSeq: number }): boolean {
  return request.toSeq >= request.fromSeq && request.toSeq - request.fromSeq < maxHistoryRecords;
}

/** The result of an `ok` history response. */
export const resultSchema = z.strictObject({
  stream: z.enum(["readings", "billing", "events"]),
  epoch: epochSchema,
  fromSeq: seq.describe("as requested"),
  toSeq: seq.describe("as requested"),
  firstSeq: seq.describe("the epoch's first seq on this stream"),
  lastSeq: z
    .number()
    .int()
    .nonnegative()
    .describe("the epoch's last seq on this stream so far (firstSeq - 1: none yet)"),
  republished: z
    .array(seqRange)
    .describe("seq ranges found in the store: published again after this response, flagged historical"),
  gone: z
    .array(seqRange)
    .describe("seq ranges of the epoch inside the request that retention has deleted: lost to the gateway"),
  count: z.number().int().nonnegative().describe("records republished (the sizes of `republished`)"),
});
export type HistoryResult = z.infer<typeof resultSchema>;

/** The catalog entry but its request (catalog.ts adds the common fields): a query, it only reads. */
export const entry = { kind: "query", summary, result: resultSchema } as const;
