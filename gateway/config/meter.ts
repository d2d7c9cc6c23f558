/**
 * `meters[]`: one entry per metering device on a bus, a discriminated union on `protocol`: a Modbus
 * meter has a `unit`, a DL/T 645 meter an `address` (gateway/config/dlt645.ts). The protocol may be left
 * out: it is then taken from the meter's profile (protocols.ts).
 */
import * as z from "zod";
import { dlt645MeterFields } from "./dlt645.ts";
import { identifier, intBetween, nonEmptyString } from "./fields.ts";

/** Keys every meter has, whatever its protocol. */
const commonMeterFields = {
  /** Meter id, used in MQTT topics and the store: 1..64 of `A-Za-z0-9_-`. */
  id: identifier,
  /** Id of the bus the meter hangs on; must name an entry of `buses` of the same protocol. */
  bus: nonEmptyString,
  /** Meter profile name, e.g. `sdm120` or `dlt645-single-phase`: built in or in `gateway.profilesDir`. */
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
  /**
   * Current transformer ratio for a meter behind CTs (e.g. 40 for 200/5 A): 1..10000, whole numbers;
   * absent: 1. Energy is multiplied by ctRatio x ptRatio before it is charged (DOMAIN.md section 2).
   */
  ctRatio: intBetween(1, 10_000).optional(),
  /** Voltage transformer ratio (e.g. 100 for 10 kV/100 V): 1..10000, whole numbers; absent: 1. */
  ptRatio: intBetween(1, 10_000).optional(),
};

export const modbusMeterSchema = z.strictObject({
  ...commonMeterFields,
  /** Wire protocol: `modbus` (the default) or `dlt645`. */
  protocol: z.literal("modbus").default("modbus"),
  /** Modbus slave address: 1..247 (Modbus over Serial Line v1.02, section 2.2; 0 is broadcast). */
  unit: intBetween(1, 247),
});

export const dlt645MeterSchema = z.strictObject({ ...commonMeterFields, ...dlt645MeterFields });

export const meterSchema = z.discriminatedUnion("protocol", [modbusMeterSchema, dlt645MeterSchema]);

/**
 * Why `key` is unknown on a meter, when it belongs to the other protocol. Undefined when the key is
 * simply unknown.
 */
export function meterKeyHint(key: string, meter: unknown): string | undefined {
  const protocol = (meter as { protocol?: unknown } | null | undefined)?.protocol;
  if (key === "unit" && protocol === "dlt645")
    return "unit applies only to Modbus meters: a DL/T 645 meter is addressed by its 12-digit `address`";
  if (key === "address" && protocol !== "dlt645")
    return "address applies only to DL/T 645 meters: a Modbus meter is addressed by its `unit` (1..247)";
  if (key === "relay" && protocol !== "dlt645")
    return "relay (password and operator) applies only to DL/T 645 meters; a Modbus relay is in its profile";
  return undefined;
}
