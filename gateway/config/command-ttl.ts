/**
 * The one rule for a command's validity (`expiresAt - issuedAt`), shared by the gateway's
 * `mqtt.commandMaxTtlSec` and the reference client's `ttlSec`/`gatewayMaxTtlSec`, so the client cannot be
 * configured to send what the gateway refuses (BAD_VALIDITY).
 */

/** Bounds of any command validity setting, seconds: 10 s .. one day. */
export const commandTtlBoundsSec = { min: 10, max: 86_400 } as const;

/** The gateway's default `mqtt.commandMaxTtlSec`, seconds: the longest validity it accepts. */
export const defaultCommandMaxTtlSec = 900;

/** The reference client's default `ttlSec`, seconds. */
export const defaultClientTtlSec = 120;
