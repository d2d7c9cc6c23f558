/**
 * The answer of `time.check` (docs/mqtt.md 6.3, "time.check"): the request's own timestamps, with which a
 * platform bounds the clocks' offset however long the request waited before it arrived.
 */
import * as z from "zod";
import { epochMsSchema } from "../envelope.ts";

/** The result of `time.check`; every time is epoch ms. */
export const timeCheckResultSchema = z.strictObject({
  wallMs: epochMsSchema.describe("gateway wall clock when answering"),
  timeZone: z.string().describe("IANA time zone for tariff periods"),
  issuedAtMs: epochMsSchema.describe("the request's issuedAt, echoed (sender's clock)"),
  receivedAtMs: epochMsSchema.describe("gateway wall clock when the request arrived"),
  skewMs: z
    .number()
    .int()
    .describe("receivedAtMs − issuedAtMs: clock offset plus the wait before arrival, ms"),
  clock: z.enum(["ok", "suspect"]).describe("the gateway's own clock since start (suspect: it jumped)"),
  detail: z.string().optional(),
});
