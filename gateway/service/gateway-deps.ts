/** What the composition root (gateway.ts) is given from outside: clocks, logger, transports, profiles. */
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { TransportFactory } from "../../protocols/modbus/transport/transport.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";

export interface GatewayDeps {
  clock: Clock;
  /** Software version for the status topic. */
  version?: string;
  /**
   * Clock of the uplink (command validity, envelope times); default `clock`. The demo runs metering and
   * billing on accelerated time but must judge a platform's command expiry on the real wall clock.
   */
  uplinkClock?: Clock;
  /**
   * Clock of wire-level bounds (BusSchedulerOptions.wireClock); default `clock`. The demo runs metering
   * on accelerated time, but a request on the wire takes real time.
   */
  wireClock?: Clock;
  logger: Logger;
  /** Log every stored event as a line (event-log.ts); default true. The demo prints its own commentary. */
  logEvents?: boolean;
  transportFactory: TransportFactory;
  profiles: ReadonlyMap<string, ResolvedProfile>;
}
