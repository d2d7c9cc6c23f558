/**
 * The gateway's own words on a terminal's display, in one place. Short (a generic-terminal shows 32
 * characters) and plain ASCII (terminals draw a 7-bit font). The answer block's reasons for an entry
 * the gateway itself answers ("pending") are here too.
 */

export type GatewayMessage =
  | { kind: "alarm1" }
  | { kind: "alarm2" }
  | { kind: "overdraft" }
  | { kind: "announced"; atMs: number; timeZone: string }
  | { kind: "cut" };

export function gatewayMessage(message: GatewayMessage): string {
  switch (message.kind) {
    case "alarm1":
      return "Low credit: please top up";
    case "alarm2":
      return "Credit very low: top up now";
    case "overdraft":
      return "Credit used up: top up now";
    case "announced":
      return `Cut at ${localTime(message.atMs, message.timeZone)} unless topped up`;
    case "cut":
      return "Supply cut: top up to restore";
  }
}

/** Reason shown while an entry waits for the platform (the uplink is down or the answer is on its way). */
export const pendingReason = "pending";
/** Reason of an entry the gateway refuses itself: a token that is not 20 digits. */
export const invalidTokenReason = "invalid token: 20 digits";
/** Reason of a purchase entry of no amount. */
export const invalidAmountReason = "invalid amount";

/** `HH:MM` in `timeZone`, 24 h. */
function localTime(atMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(atMs));
}
