/**
 * The fields every command request carries, and the builder of a command's request schema from its own
 * fields. Its own module so command groups in their own files (terminal-commands.ts) build requests
 * the same way without importing the catalog that lists them.
 */
import * as z from "zod";
import { epochMsSchema, gatewayIdSchema } from "../envelope.ts";
import { keyIdSchema } from "../keys/seal-fields.ts";

/** Transaction ids: what the response echoes and what replay protection remembers. */
export const transactionSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,64}$/, "8..64 of letters, digits, '.', '_', ':', '-'")
  .describe("unique id of this command (a UUID is fine); accepted once, echoed in the response");

/** Fields every request carries. `signature` covers all the others (see signature.ts). */
export const requestBaseShape = {
  transaction: transactionSchema,
  gatewayId: gatewayIdSchema.describe("the gateway this command is for; must match the topic's gateway"),
  issuedAt: epochMsSchema.describe("when the sender made the command, epoch ms"),
  expiresAt: epochMsSchema.describe("after this instant (epoch ms, gateway clock) the command is refused"),
  kid: keyIdSchema
    .optional()
    .describe("id of the signing command key; may be absent only while the gateway has one"),
  signature: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits")
    .describe("HMAC-SHA256 of the canonical form, lowercase hex"),
};
export const requestBaseKeys = Object.keys(requestBaseShape) as (keyof typeof requestBaseShape)[];

/** A command's request schema: the common fields plus its own. */
export function request<T extends z.ZodRawShape>(fields: T) {
  return z.strictObject({ ...requestBaseShape, ...fields });
}
