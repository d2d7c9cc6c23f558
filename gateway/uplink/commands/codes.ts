/**
 * Error codes of command responses. The uplink decides the first group before a command reaches the
 * executor; the executor returns its own codes (UNKNOWN_ACCOUNT, UNKNOWN_METER and domain refusals).
 * Each code is distinct so an integrator can act on it without parsing the message.
 */

/** Codes the uplink itself answers with, and what each means (rendered into docs/mqtt.md). */
export const uplinkErrorCodes = {
  NOT_JSON: "the payload is not a UTF-8 JSON object",
  TOO_LARGE: "the payload is larger than 16384 bytes",
  UNKNOWN_COMMAND: "the last topic level names no command",
  SCHEMA: "a field is missing, unknown, of the wrong type or out of bounds (details.issues lists them)",
  NO_COMMAND_KEY: "the gateway has no command key configured, so it accepts no command",
  BAD_SIGNATURE: "the signature does not match the canonical form under the gateway's command key",
  WRONG_GATEWAY: "gatewayId names another gateway",
  EXPIRED: "expiresAt has passed on the gateway's clock (details.gatewayTimeMs)",
  NOT_YET_VALID:
    "issuedAt is further ahead of the gateway's clock than the allowed skew (details.gatewayTimeMs)",
  BAD_VALIDITY: "expiresAt is not after issuedAt, or further after it than the gateway allows",
  REPLAYED: "this transaction was already executed; it is never executed again",
  RATE_LIMITED: "too many relay commands in the last minute (mass-switching guard); retry later",
  BUSY: "too many slow commands (meter.read, time.check, config.get) in progress; retry later",
  INTERNAL: "the gateway failed while executing; nothing was changed and the transaction may be retried",
} as const;

export type UplinkErrorCode = keyof typeof uplinkErrorCodes;

/** Codes the gateway's executor answers with (the engine may add domain codes, documented in docs/mqtt.md). */
export const executorErrorCodes = {
  UNKNOWN_ACCOUNT: "no account with that id on this gateway",
  UNKNOWN_METER: "no meter with that id on this gateway",
} as const;

export type ExecutorErrorCode = keyof typeof executorErrorCodes;

/** Codes after which the sender is not known to hold the key: their audit is rate-limited. */
export const unauthenticatedCodes: ReadonlySet<string> = new Set<UplinkErrorCode>([
  "NOT_JSON",
  "TOO_LARGE",
  "UNKNOWN_COMMAND",
  "SCHEMA",
  "NO_COMMAND_KEY",
  "BAD_SIGNATURE",
]);

/** Shape of an error code: what an executor may return (anything else is reported as INTERNAL). */
export const errorCodePattern = /^[A-Z][A-Z0-9_]{1,63}$/;
