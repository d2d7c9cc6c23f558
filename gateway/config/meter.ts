/** `meters[]`: one entry per metering device on a bus. */
import { z } from "zod";
import { identifier, intBetween, nonEmptyString } from "./fields.ts";

export const meterSchema = z.strictObject({
  /** Meter id, used in MQTT topics and the store: 1..64 of `A-Za-z0-9_-`. */
  id: identifier,
  /**
   * Wire protocol: only `modbus` today (the default). Kept as a field so DL/T 645 meters can be added as
   * another variant without changing existing files.
   */
  protocol: z.literal("modbus").default("modbus"),
  /** Id of the bus the meter hangs on; must name an entry of `buses`. */
  bus: nonEmptyString,
  /** Modbus slave address: 1..247 (Modbus over Serial Line v1.02, section 2.2; 0 is broadcast). */
  unit: intBetween(1, 247),
  /** Register map name, e.g. `sdm120`: a built-in profile or one in `gateway.profilesDir`. */
  profile: nonEmptyString,
  /** Prepaid account the meter draws on; must name an entry of `accounts` when that section is present. */
  account: nonEmptyString.optional(),
  /** How often the meter is read, ms: 100..86400000 (1 day), default 10000. */
  pollIntervalMs: intBetween(100, 86_400_000).default(10_000),
  /** Power limit for this meter, W (> 0), for the policy features that enforce it. Absent: no limit. */
  maxPowerW: z.number().positive().optional(),
  /**
   * How a restore closes this meter's relay: `direct`, or `allow-close` (the customer presses the meter's
   * button; DL/T 645 meters). Absent: its account's mode (default `direct`).
   */
  restoreMode: z.enum(["direct", "allow-close"]).optional(),
});
