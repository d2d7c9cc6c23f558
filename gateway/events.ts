/**
 * The gateway's typed events: how features talk without knowing each other (STYLE.md principle 10).
 */
import type { LinkState, MeterCounters } from "./bus/counters.ts";
import type { GatewayError } from "../core/errors.ts";
import type { OptionalBlockChange } from "./metering/optional-blocks.ts";
import type { Reading } from "./metering/reading.ts";

export interface GatewayEvents {
  /** A meter was read. */
  reading: Reading;
  /** A poll failed (after its retries). */
  "poll.error": { meterId: string; busId: string; error: GatewayError };
  /** A meter went online or offline. */
  "meter.state": { meterId: string; busId: string; state: LinkState; counters: MeterCounters };
  /** An optional quantity's block answered an exception and is left out (`missing`), or answers again. */
  "meter.quantities": { meterId: string; busId: string; change: OptionalBlockChange };
  /** A bus (serial port or TCP connection) came up or went down. */
  "bus.state": { busId: string; state: "up" | "down"; error?: GatewayError };
  /**
   * Something a meter's retained state shows changed outside a reading of that meter, after its commit:
   * the account's balance (top-up, adjustment, anomaly.resolve, a charge of another meter of the account)
   * or the relay position read back after a switch.
   */
  "meter.shown": { meterId: string; cause: "balance" | "relay" };
}
