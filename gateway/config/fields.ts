/**
 * Field schemas shared by the sections, each with the message a technician should read when it fails.
 * Generic wording (type mismatches, missing keys) comes from issues.ts; only checks that need their own
 * bounds in the sentence carry a message here.
 */
import * as z from "zod";
import { requirement } from "./messages.ts";

/**
 * An id for a gateway, bus, meter, account or tariff: 1..64 characters of `A-Z a-z 0-9 _ -`.
 * Ids become MQTT topic levels and file names, so `/`, `+`, `#` and spaces are excluded.
 */
export const identifier = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]*$/, { error: requirement("may contain only letters, digits, '_' and '-'") });

/** A string that must not be empty (paths, host names, references to other ids). */
export const nonEmptyString = z.string().min(1);

/** A whole number in `min..max` inclusive; out-of-range values read "must be between min and max". */
export function intBetween(min: number, max: number) {
  const error = requirement(`must be between ${min} and ${max}`);
  const wrongType = requirement(`must be a whole number between ${min} and ${max}`);
  // A missing or empty value keeps the generic "is required" / "is empty" wording from issues.ts.
  const typeError = (issue: { input?: unknown }) =>
    issue.input === undefined || issue.input === null ? undefined : wrongType(issue);
  return z.int({ error: typeError }).min(min, { error }).max(max, { error });
}

/** An IANA time zone name such as `Europe/Berlin` or `Asia/Shanghai`, as the runtime's ICU knows it. */
export const timeZoneName = z.string().refine(isTimeZone, {
  error: requirement("must be an IANA time zone name such as 'UTC' or 'Asia/Shanghai'"),
});

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A host name or IP address; a URL or `host:port` is rejected with a hint, since `port` is its own key. */
export const hostName = z
  .string()
  .min(1)
  .refine((host) => !host.includes("://") && !/\s/.test(host) && !/^[^:]+:\d+$/.test(host), {
    error: requirement("must be a host name or IP address, without scheme or port"),
  });
