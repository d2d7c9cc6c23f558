/**
 * The two members a signed message carries at its end (seal.ts, docs/mqtt.md 6.2.2), as schema fields for
 * every message the gateway publishes: stream envelopes, status, meter states, responses. Optional in the
 * schemas because a gateway without `mqtt.uplinkKey` sends unsigned messages.
 */
import * as z from "zod";

/** A key id, command or uplink: 1..64 of letters, digits, `.`, `_`, `-`. */
export const keyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, "1..64 of letters, digits, '.', '_', '-'");

export const sealFields = {
  kid: keyIdSchema
    .optional()
    .describe("id of the uplink key that signed this message (mqtt.uplinkKey.id); present with sig"),
  sig: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe(
      'lowercase hex HMAC-SHA256 under the uplink key of the payload bytes before \',"sig":"\' (docs/mqtt.md 6.2.2); always the last member',
    ),
};
