/**
 * `tariff.set`'s fields for the current and next tariff sets (billing/operations.ts `tariffSet`,
 * prepaid/tariff-sets.ts), kept beside the catalog so its entry stays one screen.
 */
import * as z from "zod";
import { epochMsSchema } from "../envelope.ts";

/** The request's `effectiveFrom`: which set the version becomes. */
export const tariffEffectiveFromSchema = epochMsSchema
  .optional()
  .describe(
    "when it takes effect; default: when applied. Later than now: the tariff's next set (switch-over at that instant; replaces a next set not yet in force). Now or earlier: its current set from then, keeping the next set; refused (TARIFF_IN_FORCE) at or before the start of the version in force",
  );

/** What the result adds about the sets. */
export const tariffSetResultFields = {
  set: z
    .enum(["current", "next"])
    .optional()
    .describe("which set this version is: `next` takes effect at effectiveFromMs, later than now"),
  replacedNextFromMs: epochMsSchema
    .optional()
    .describe("the next set this one replaced (dropped, never in force) was to take effect then"),
};
