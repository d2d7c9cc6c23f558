/** Request bodies and query parameters of the control interface, validated with zod. */
import * as z from "zod";
import { faultSpecSchema } from "../faults/fault-spec.ts";
import { durationSchema } from "../scenario/duration-schema.ts";
import { loadSchema } from "../scenario/load-spec.ts";
import { maxSpeed, minSpeed } from "../../core/clock.ts";

/** POST /clock/advance: simulated time to jump, "10m" or ms (0..10 years). */
export const advanceBody = z.strictObject({ by: durationSchema });

/** POST /clock/speed */
export const speedBody = z.strictObject({ speed: z.number().min(minSpeed).max(maxSpeed) });

/** POST /meters/:unit/load: a number is constant watts. */
export const loadBody = z.strictObject({ load: loadSchema });

/** POST /meters/:unit/relay */
export const relayBody = z.strictObject({ state: z.enum(["open", "closed"]) });

/** POST /meters/:unit/faults: one fault spec. */
export const faultBody = faultSpecSchema;

/** The `:unit` of meter routes, 1..247. */
export const unitParam = z.coerce.number().int().min(1).max(247);
const seqParam = z.coerce.number().int().min(0).default(0);

/** Query of GET /writes and GET /events. */
export const logQuery = z.strictObject({
  bus: z.string().optional(),
  unit: unitParam.optional(),
  /** Only entries with a greater sequence number. */
  since: seqParam,
});

/** Query of meter routes: which bus, when a unit is on several. */
export const meterQuery = z.strictObject({ bus: z.string().optional() });
