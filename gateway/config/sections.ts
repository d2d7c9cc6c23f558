/**
 * Optional sections for features that are not built yet.
 *
 * PLUGGABLE: the schemas marked below are placeholders. Replace `accountSchema`, `tariffSchema` and
 * `policySchema` (and, when their features land, `mqttSchema` and `httpSchema`) by editing only this file;
 * the root schema, the types, duplicate-id checks and the error reporting pick them up unchanged.
 * Contract the rest of gateway/config/ relies on:
 *  - `accountSchema` and `tariffSchema` are objects with a string `id` (ids must be unique per section;
 *    `meters[].account` refers to account ids);
 *  - every reference from one of these sections to another is listed in {@link sectionReferences},
 *    which cross-refs.ts checks and reports at the referring key.
 */
import { accountConfigSchema } from "../prepaid/account.ts";
import { policyConfigSchema } from "../prepaid/policy.ts";
import { tariffConfigSchema } from "../prepaid/tariff-config.ts";
import { httpConfigSchema } from "./http.ts";
import { mqttConfigSchema } from "./mqtt.ts";

/** A prepaid account: opening balance, thresholds, overdraft, hoarding limit, keep-power (gateway/prepaid). */
export const accountSchema = accountConfigSchema;

/** A tariff: flat, time-of-use or tiered (gateway/prepaid/tariff-config.ts). */
export const tariffSchema = tariffConfigSchema;

/** Cut-off policy: notice delay, friendly periods and days, holidays, relay caps and retries. */
export const policySchema = policyConfigSchema;

/** The technician's web page beyond the local API on 127.0.0.1 (gateway/config/http.ts). */
export const httpSchema = httpConfigSchema;

/** Uplink to the MQTT broker (gateway/config/mqtt.ts). Absent: the gateway runs offline, buffering everything. */
export const mqttSchema = mqttConfigSchema;

/** A reference from a field of one section's entries to the ids of another section. */
export interface SectionReference {
  /** Section whose entries hold the reference, e.g. `accounts`. */
  readonly section: "accounts" | "tariffs";
  /** Key in each entry holding the referenced id, e.g. `tariff`. */
  readonly field: string;
  /** Section whose ids the field must name, e.g. `tariffs`. */
  readonly target: "accounts" | "tariffs";
}

/** PLUGGABLE: references between the sections above, checked after the schema. */
export const sectionReferences: readonly SectionReference[] = [
  { section: "accounts", field: "tariff", target: "tariffs" },
];
