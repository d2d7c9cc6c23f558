/**
 * Jobs for a meter's optional capabilities (metering/controls.ts) on its bus: queued ahead of polls like
 * relay writes, with the bus's gap, timeout and retries; commands that must not go out twice (a
 * forwarded secured command, the time broadcast) with no retry.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { LocalDateTime } from "../metering/controls.ts";
import type { MeterDriver } from "../metering/driver.ts";
import type { Poller } from "./poller.ts";
import type { BusLink, BusScheduler, Transactor } from "./scheduler.ts";

/** A driver's optional capabilities, the bus's time broadcast among them. */
export type DriverControls<Link extends BusLink> = NonNullable<MeterDriver<Link>["controls"]>;

/** One bus's scheduler and poller. */
export interface ControlledBus<Link extends BusLink> {
  readonly id: string;
  readonly scheduler: BusScheduler<Link>;
  readonly poller: Poller<Link>;
}

/** The meter's capabilities, or undefined when it has none (Modbus) or is not on the bus. */
export function controlsOf<Link extends BusLink>(
  bus: ControlledBus<Link>,
  meterId: string,
): DriverControls<Link> | undefined {
  return bus.poller.drivers().get(meterId)?.controls;
}

/**
 * Runs `run` on the meter's capabilities ahead of queued polls.
 * @param retries per transaction: the bus's own by default, 0 for a command that must not repeat
 * @throws GatewayError(NOT_SUPPORTED) for a meter without capabilities
 */
export function runControl<Link extends BusLink, T>(
  bus: ControlledBus<Link>,
  meterId: string,
  run: (controls: DriverControls<Link>, tx: Transactor<Link>) => Promise<T>,
  retries: number,
): Promise<T> {
  const controls = controlsOf(bus, meterId);
  if (controls === undefined)
    return Promise.reject(
      new GatewayError(ErrorCode.NotSupported, `meter '${meterId}' has no such capability`, { meterId }),
    );
  return bus.scheduler.enqueue({ meterId, priority: "relay", retries, run: (tx) => run(controls, tx) });
}

/** The bus's meters that keep a clock the gateway can read, when the bus can broadcast the time. */
export function clockMeters<Link extends BusLink>(bus: ControlledBus<Link>): string[] {
  const drivers = [...bus.poller.drivers()];
  if (!drivers.some(([, d]) => d.controls?.broadcastTime !== undefined)) return [];
  return drivers.flatMap(([id, d]) => (d.controls?.readClock === undefined ? [] : [id]));
}

/** Broadcasts the time on the bus through the first meter whose driver can, once (no retry). */
export function broadcastTime<Link extends BusLink>(
  bus: ControlledBus<Link>,
  time: () => LocalDateTime,
): Promise<void> {
  for (const [meterId, driver] of bus.poller.drivers()) {
    const broadcast = driver.controls?.broadcastTime;
    if (broadcast === undefined) continue;
    return bus.scheduler.enqueue({
      meterId,
      priority: "read",
      retries: 0,
      run: (tx) => broadcast.call(driver.controls, tx, time),
    });
  }
  return Promise.reject(new GatewayError(ErrorCode.NotSupported, `bus ${bus.id} cannot broadcast the time`));
}
