/**
 * The uplink's keys in the `mqtt` section: the command keys the gateway accepts (several at once, each
 * with an id a request names as `kid`, so a platform can rotate with an overlap window) and the uplink
 * key it signs what it publishes with (docs/mqtt.md 6.2.1 and 6.2.2). Each key lives in its own file; the
 * config holds ids, paths and validity only. Keys are per gateway (docs/provisioning.md).
 */
import * as z from "zod";
import { nonEmptyString } from "./fields.ts";
import { requirement } from "./messages.ts";

/** A key id: 1..64 of letters, digits, `.`, `_`, `-` (it travels in requests and in signed messages). */
export const keyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: requirement("must be 1..64 of letters, digits, '.', '_', '-'") });

/** An instant written as ISO 8601 with a time zone, e.g. `2027-01-15T00:00:00+08:00`. */
const instantSchema = z.iso.datetime({
  offset: true,
  error: requirement("must be an ISO 8601 date and time with a zone, such as 2027-01-15T00:00:00+08:00"),
});

/** One command key: its id, its file, and optionally when it starts and stops being accepted. */
export const commandKeyConfigSchema = z
  .strictObject({
    /** Key id, carried in requests as `kid`. */
    id: keyIdSchema,
    /** File holding the HMAC key (at least 32 characters; surrounding whitespace ignored). */
    file: nonEmptyString,
    /** Requests under this key are refused KEY_NOT_YET_VALID before this instant (gateway clock). */
    notBefore: instantSchema.optional(),
    /** Requests under this key are refused KEY_EXPIRED after this instant (gateway clock). */
    notAfter: instantSchema.optional(),
  })
  .superRefine((key, ctx) => {
    if (key.notBefore === undefined || key.notAfter === undefined) return;
    if (Date.parse(key.notAfter) <= Date.parse(key.notBefore)) {
      ctx.addIssue({
        code: "custom",
        path: ["notAfter"],
        input: key.notAfter,
        message: `notAfter must be after notBefore (${key.notBefore}) (got '${key.notAfter}')`,
      });
    }
  });

/** Most command keys at once: a rotation needs two; a few more allow for a slow rollout. */
export const maxCommandKeys = 8;

/** `mqtt.commandKeys`: 1..8 keys with distinct ids. */
export const commandKeysSchema = z
  .array(commandKeyConfigSchema)
  .min(1)
  .max(maxCommandKeys)
  .superRefine((keys, ctx) => {
    keys.forEach((key, index) => {
      const first = keys.findIndex((other) => other.id === key.id);
      if (first !== index) {
        ctx.addIssue({
          code: "custom",
          path: [index, "id"],
          input: key.id,
          message: `id '${key.id}' is already used by commandKeys[${first}]`,
        });
      }
    });
  });

/** `mqtt.uplinkKey`: the HMAC key the gateway signs its messages with, and its id. */
export const uplinkKeyConfigSchema = z.strictObject({
  /** Key id, carried as `kid` in every signed message. */
  id: keyIdSchema,
  /** File holding the HMAC key (at least 32 characters; surrounding whitespace ignored). */
  file: nonEmptyString,
});

export type CommandKeyConfig = z.output<typeof commandKeyConfigSchema>;
export type UplinkKeyConfig = z.output<typeof uplinkKeyConfigSchema>;

/** The id `mqtt.commandKeyFile` (the single-key form) is known by. */
export const singleCommandKeyId = "default";

/**
 * The command keys a config names: `commandKeys`, or `commandKeyFile` as one key with id `default`.
 * The schema refuses both at once.
 */
export function commandKeyConfigs(mqtt: {
  readonly commandKeyFile?: string | undefined;
  readonly commandKeys?: readonly CommandKeyConfig[] | undefined;
}): readonly CommandKeyConfig[] {
  if (mqtt.commandKeys !== undefined) return mqtt.commandKeys;
  return mqtt.commandKeyFile === undefined ? [] : [{ id: singleCommandKeyId, file: mqtt.commandKeyFile }];
}
