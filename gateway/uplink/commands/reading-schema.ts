/** A reading as `meter.read` answers it (catalog.ts). */
import * as z from "zod";
import { epochMsSchema } from "../envelope.ts";
import { quantityValuesSchema } from "../records.ts";

export const readingSchema = z.strictObject({
  readingId: z.number().int().positive().optional(),
  wallMs: epochMsSchema,
  monoMs: z.number().nonnegative(),
  values: quantityValuesSchema,
  relayClosed: z.boolean().optional(),
});
