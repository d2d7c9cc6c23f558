/**
 * What a meter's load looks like over simulated time, as data: shared by scenario files, the CLI's
 * `--power` and the control interface's "set load".
 */
import * as z from "zod";
import { durationSchema } from "./duration-schema.ts";

/** Watts, 0..1000000 (a large three-phase feeder is well below 1 MW). */
const watts = z.number().min(0).max(1_000_000);

export const constantLoadSchema = z.strictObject({ kind: z.literal("constant"), powerW: watts });

export const dailyLoadSchema = z.strictObject({
  kind: z.literal("daily"),
  /** 24 points, W, at 00:00, 01:00, ... 23:00 simulated local time (see `clock.utcOffsetMinutes`). */
  hourlyW: z.array(watts).length(24),
  /** `linear` joins the points (23:00 back to 00:00); `step` holds each value for its hour. */
  interpolate: z.enum(["linear", "step"]).default("linear"),
});

export const randomWalkLoadSchema = z
  .strictObject({
    kind: z.literal("random-walk"),
    startW: watts,
    minW: watts,
    maxW: watts,
    /** Largest change per step, W. */
    stepW: watts,
    /** Simulated time between steps, 1s..1d, default 1m. */
    every: durationSchema.default(60_000).pipe(z.number().min(1000).max(86_400_000)),
  })
  .refine((s) => s.minW <= s.startW && s.startW <= s.maxW, {
    message: "needs minW <= startW <= maxW",
  });

export const stepsLoadSchema = z
  .strictObject({
    kind: z.literal("steps"),
    /** Power from each offset (since the simulation start) on; before the first, the first's power. */
    steps: z.array(z.strictObject({ at: durationSchema, powerW: watts })).min(1),
    /** Repeat the pattern with this period (e.g. "1d"); steps must then lie within one period. */
    repeatEvery: durationSchema.pipe(z.number().min(1000)).optional(),
  })
  .superRefine((s, ctx) => {
    s.steps.forEach((step, i) => {
      if (i > 0 && step.at <= s.steps[i - 1]!.at) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "at"],
          message: "steps must be in increasing time order",
        });
      }
      if (s.repeatEvery !== undefined && step.at >= s.repeatEvery) {
        ctx.addIssue({ code: "custom", path: ["steps", i, "at"], message: "must be less than repeatEvery" });
      }
    });
  });

/**
 * A load: a number is a constant load in W. (A preprocess rather than a union, so a mistake inside a
 * shape is reported at its own field instead of as "invalid input" for the whole load.)
 */
const shapeSchema = z.discriminatedUnion("kind", [
  constantLoadSchema,
  dailyLoadSchema,
  randomWalkLoadSchema,
  stepsLoadSchema,
]);
export const loadSchema = z.preprocess(
  (input) => (typeof input === "number" ? { kind: "constant", powerW: input } : input),
  shapeSchema,
);

export type LoadSpec = z.output<typeof loadSchema>;
export type LoadSpecInput = number | z.input<typeof shapeSchema>;
