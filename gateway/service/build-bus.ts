/**
 * One bus's scheduler and poller built from config, for either protocol: a Modbus bus gets a Modbus
 * transport and one ModbusMeterDriver per meter, a DL/T 645 bus a DL/T 645 link and one
 * Dlt645MeterDriver per meter. The scheduler and poller are the same protocol-neutral parts either way.
 */
import type { Clock } from "../../core/clock.ts";
import { endpointOfBus } from "../bus/bus-endpoint.ts";
import type { BusLink } from "../bus/link.ts";
import { Poller, type PolledMeter, type PollerOptions } from "../bus/poller.ts";
import { BusScheduler, type BusSchedulerOptions } from "../bus/scheduler.ts";
import type { BusConfig, Dlt645BusConfig, Dlt645MeterConfig, MeterConfig } from "../config/index.ts";
import { readMeterPassword } from "../config/meter-password.ts";
import { Dlt645MeterDriver } from "../metering/dlt645-driver.ts";
import { ModbusMeterDriver } from "../metering/modbus-driver.ts";
import type { OptionalBlockChange } from "../metering/optional-blocks.ts";
import { describeDlt645Endpoint, type Dlt645Endpoint } from "../../protocols/dlt645/transport/endpoint.ts";
import type { Dlt645Link, Dlt645LinkFactory } from "../../protocols/dlt645/transport/link.ts";
import { streamDlt645LinkFactory } from "../../protocols/dlt645/transport/stream-link.ts";
import {
  describeEndpoint,
  type ModbusTransport,
  type TransportFactory,
} from "../../protocols/modbus/transport/transport.ts";
import { requireDlt645Profile, requireProfile, type ProfileRegistry } from "../../protocols/profiles/load.ts";

/**
 * Requests in a row with no byte back before a TCP connection is dropped and the bus shown down. Above
 * a poll's attempts (retries default 1), so one dead meter behind a converter does not drop the link.
 */
const silentTcpAfterTimeouts = 3;

/** What {@link buildBus} reports to; every hook is optional (doctor uses none). */
export type BusHooks = Pick<BusSchedulerOptions, "onBusState"> &
  Pick<PollerOptions, "onReading" | "onPollError" | "onStateChange"> & {
    /** An optional quantity of a meter stopped or started answering (see ModbusMeterDriver). */
    onOptionalChange?: (meterId: string, change: OptionalBlockChange) => void;
  };

/** What a bus is built from besides its config. */
export interface BusDeps {
  clock: Clock;
  /** See BusSchedulerOptions.wireClock; default `clock`. */
  wireClock?: Clock | undefined;
  profiles: ProfileRegistry;
  transportFactory: TransportFactory;
  /** DL/T 645 links; default serialport and TCP streams (streamDlt645LinkFactory). */
  dlt645LinkFactory?: Dlt645LinkFactory | undefined;
  /** IANA zone DL/T 645 meter clocks are set in (the gateway's timezone); default UTC. */
  timeZone?: string | undefined;
}

/** A built bus: its scheduler and its (not yet started) poller. */
export interface BuiltBus {
  scheduler: BusScheduler<BusLink>;
  poller: Poller<BusLink>;
}

/**
 * Builds one bus's scheduler and poller from config, exactly as `run` polls it: the bus's timeout, gap,
 * retries and backoff, one driver per meter from its own profile. `doctor` reads through the same parts
 * (Poller.readNow) so it cannot judge a meter differently from `run`. The poller is not started.
 */
export function buildBus(
  bus: BusConfig,
  meters: readonly MeterConfig[],
  deps: BusDeps,
  hooks: BusHooks = {},
): BuiltBus {
  if (bus.protocol === "dlt645") {
    const dlt645Meters = meters.filter((m): m is Dlt645MeterConfig => m.protocol === "dlt645");
    return buildDlt645Bus(bus, dlt645Meters, deps, hooks);
  }
  const modbusMeters = meters.flatMap((m) => (m.protocol === "modbus" ? [m] : []));
  const link = deps.transportFactory(endpointOfBus(bus));
  const polled = modbusMeters.map((m): PolledMeter<ModbusTransport> => ({
    id: m.id,
    unit: m.unit,
    pollIntervalMs: m.pollIntervalMs,
    driver: new ModbusMeterDriver(requireProfile(deps.profiles, m.profile), m.unit, {
      clock: deps.clock,
      ...optionalHook(m.id, hooks),
    }),
  }));
  return assemble(bus, link, polled, deps, hooks);
}

function buildDlt645Bus(
  bus: Dlt645BusConfig,
  meters: readonly Dlt645MeterConfig[],
  deps: BusDeps,
  hooks: BusHooks,
) {
  const link = (deps.dlt645LinkFactory ?? streamDlt645LinkFactory)(endpointOfDlt645Bus(bus));
  const polled = meters.map((m): PolledMeter<Dlt645Link> => ({
    id: m.id,
    address: m.address,
    pollIntervalMs: m.pollIntervalMs,
    driver: new Dlt645MeterDriver(requireDlt645Profile(deps.profiles, m.profile), m.address, {
      clock: deps.clock,
      timeZone: deps.timeZone ?? "UTC",
      credentials: {
        level: m.relay.level,
        password: readMeterPassword(m, `meter ${m.id} relay.passwordFile`),
        passwordOrder: m.relay.passwordByteOrder,
        operatorCode: m.relay.operator,
      },
      ...optionalHook(m.id, hooks),
    }),
  }));
  return assemble(bus, link, polled, deps, hooks);
}

/** The bus's line in words: `/dev/ttyUSB0 9600 8N1`, `tcp 10.0.0.5:502`, `dlt645 tcp 10.0.0.7:8899`. */
export function describeBusEndpoint(bus: BusConfig): string {
  return bus.protocol === "dlt645"
    ? describeDlt645Endpoint(endpointOfDlt645Bus(bus))
    : describeEndpoint(endpointOfBus(bus));
}

/** Where a DL/T 645 bus connects. */
export function endpointOfDlt645Bus(bus: Dlt645BusConfig): Dlt645Endpoint {
  if (bus.transport === "tcp") return { kind: "tcp", host: bus.host, port: bus.port };
  const { path, baudRate, parity, dataBits, stopBits } = bus;
  return { kind: "serial", path, baudRate, parity, dataBits, stopBits };
}

function optionalHook(meterId: string, hooks: BusHooks) {
  const hook = hooks.onOptionalChange;
  return hook === undefined
    ? {}
    : { onOptionalChange: (change: OptionalBlockChange) => hook(meterId, change) };
}

/** The scheduler over `link` and the poller of `meters`, with the bus's timing and the hooks. */
function assemble<Link extends BusLink>(
  bus: BusConfig,
  link: Link,
  meters: ReadonlyArray<PolledMeter<Link>>,
  deps: BusDeps,
  hooks: BusHooks,
): { scheduler: BusScheduler<Link>; poller: Poller<Link> } {
  const serial = bus.transport === "rtu" || bus.transport === "serial";
  const scheduler = new BusScheduler<Link>(link, {
    busId: bus.id,
    clock: deps.clock,
    timeoutMs: bus.timeoutMs,
    interFrameGapMs: bus.interFrameGapMs,
    // Several requests in flight only on a Modbus TCP connection that allows it (config/bus.ts).
    maxInFlight: bus.protocol === "modbus" && bus.transport === "tcp" ? bus.maxInFlight : 1,
    ...(deps.wireClock === undefined ? {} : { wireClock: deps.wireClock }),
    // A TCP peer must answer something; on a serial line silence is the meters' problem, not the port's.
    silentAfterTimeouts: serial ? 0 : silentTcpAfterTimeouts,
    ...(hooks.onBusState === undefined ? {} : { onBusState: hooks.onBusState }),
  });
  const poller = new Poller(scheduler, meters, {
    busId: bus.id,
    clock: deps.clock,
    retries: bus.retries,
    backoffInitialMs: bus.backoff.initialMs,
    backoffMaxMs: bus.backoff.maxMs,
    ...(hooks.onReading === undefined ? {} : { onReading: hooks.onReading }),
    ...(hooks.onPollError === undefined ? {} : { onPollError: hooks.onPollError }),
    ...(hooks.onStateChange === undefined ? {} : { onStateChange: hooks.onStateChange }),
  });
  return { scheduler, poller };
}
