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
import { z } from "zod";
import { nonEmptyString } from "./fields.ts";
import { requirement } from "./messages.ts";
import { accountConfigSchema } from "../prepaid/account.ts";
import { policyConfigSchema } from "../prepaid/policy.ts";
import { tariffConfigSchema } from "../prepaid/tariff-config.ts";

/** A prepaid account: opening balance, thresholds, overdraft, hoarding limit, keep-power (gateway/prepaid). */
export const accountSchema = accountConfigSchema;

/** A tariff: flat, time-of-use or tiered (gateway/prepaid/tariff-config.ts). */
export const tariffSchema = tariffConfigSchema;

/** Cut-off policy: notice delay, friendly periods and days, holidays, relay caps and retries. */
export const policySchema = policyConfigSchema;

/** PLUGGABLE placeholder: the local HTTP API beyond `gateway.httpPort`. No keys yet. */
export const httpSchema = z.strictObject({});

/** TLS material for the MQTT connection; file paths resolve against the config file's directory. */
const mqttTlsSchema = z.strictObject({
  /** PEM file of the CA that signed the broker certificate. Absent: the system trust store. */
  caFile: nonEmptyString.optional(),
  /** PEM client certificate for mutual TLS. */
  certFile: nonEmptyString.optional(),
  /** PEM private key of `certFile`. */
  keyFile: nonEmptyString.optional(),
  /** Whether to reject a broker certificate that does not verify; default true (leave it on). */
  rejectUnauthorized: z.boolean().optional(),
});

/** Uplink to the MQTT broker. Absent: the gateway runs offline, buffering everything locally. */
export const mqttSchema = z.strictObject({
  /** Broker URL: `mqtt://`, `mqtts://`, `ws://` or `wss://`, e.g. `mqtts://broker.example.com:8883`. */
  url: z.url({
    protocol: /^(mqtts?|wss?)$/,
    error: requirement("must be a URL starting with mqtt://, mqtts://, ws:// or wss://"),
  }),
  /** MQTT client id, up to 64 characters. Absent: derived from `gateway.id`. */
  clientId: z.string().min(1).max(64).optional(),
  /** Topic levels in front of every topic the gateway uses, e.g. `mg` or `site-3/mg`; default `mg`. */
  topicPrefix: z
    .string()
    .regex(/^[^#+/]+(\/[^#+/]+)*$/, {
      error: requirement("must be topic levels separated by '/', without '+', '#' or empty levels"),
    })
    .default("mg"),
  /** File holding the key that authenticates remote commands (top-ups, cut-offs). */
  commandKeyFile: nonEmptyString.optional(),
  /** Broker user name. */
  username: z.string().min(1).optional(),
  /** File holding the broker password (kept out of the config so the config can be shared). */
  passwordFile: nonEmptyString.optional(),
  /** TLS options; only used with `mqtts://` and `wss://` URLs. */
  tls: mqttTlsSchema.optional(),
});

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
