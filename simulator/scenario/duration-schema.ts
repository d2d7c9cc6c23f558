/** zod schemas for durations ("10m") and unit lists ("1-10,12"), reporting the parser's message. */
import * as z from "zod";
import { parseDuration } from "./duration.ts";
import { parseUnitList } from "../../protocols/modbus/unit-list.ts";

/** A duration string or a number of ms, output in ms. */
export const durationSchema = z.union([z.string(), z.number()]).transform((input, ctx) => {
  const parsed = parseDuration(input);
  if (parsed.ok) return parsed.ms;
  ctx.addIssue({ code: "custom", message: parsed.error });
  return z.NEVER;
});

/** A unit list ("1-10,12") or a single unit id, output as sorted distinct ids. */
export const unitListSchema = z.union([z.string(), z.number().int()]).transform((input, ctx) => {
  const parsed = parseUnitList(input);
  if (parsed.ok) return parsed.units;
  ctx.addIssue({ code: "custom", message: parsed.error });
  return z.NEVER;
});
