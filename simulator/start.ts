/**
 * Starts simulated meters on one endpoint: the programmatic form of `meter-sim` for tests and the demo.
 * (Several buses, a timeline and the control interface: scenario/run.ts.)
 */
import type { Clock } from "../core/clock.ts";
import { AcceleratedClock, SystemClock } from "../core/clock.ts";
import type { ResolvedProfile } from "../protocols/profiles/resolve.ts";
import type { SimBus } from "./core/sim-bus.ts";
import { Simulation, type DltMeterSetup, type MeterSetup } from "./core/simulation.ts";
import type { EndpointSpec } from "./scenario/endpoint-schema.ts";
import type { LoadSpec } from "./scenario/load-spec.ts";
import { serveEndpoint } from "./servers/serve-endpoint.ts";

export type SimEndpoint =
  | { kind: "tcp" | "rtu-over-tcp"; host: string; port: number }
  | {
      kind: "serial";
      path: string;
      baudRate?: number;
      parity?: "none" | "even" | "odd";
      /** The master's end of a pty pair: answer only requests sent at `baudRate` (servers/pty-line.ts). */
      masterPty?: string;
    }
  /** A socat pty pair made here; `address` is the gateway's end. */
  | { kind: "pty"; link?: string; baudRate?: number; parity?: "none" | "even" | "odd" };

export interface SimulatedMeter {
  /** Modbus unit id, 1..247. */
  unit: number;
  profile: ResolvedProfile;
  /** Constant load, W, while the relay is closed; default 2000. Ignored when `load` is given. */
  powerW?: number;
  load?: LoadSpec;
  /** Import energy at start, Wh; default 0. */
  importEnergyWh?: number;
  exportEnergyWh?: number;
  /** Default 10000000 + unit. */
  serialNumber?: number;
  /** Default true (supply on). */
  relayClosed?: boolean;
}

export interface StartSimulatorOptions {
  endpoint: SimEndpoint;
  /** Modbus meters (a Modbus bus); leave empty with `dltMeters`. */
  meters: SimulatedMeter[];
  /**
   * DL/T 645 meters: when given, the bus speaks DL/T 645 (TCP endpoints act as a transparent
   * converter). Each needs `dlt645.address`; see simulator/dlt645/meter-config.ts for the rest.
   */
  dltMeters?: DltMeterSetup[];
  /** Time acceleration, 0.001..1000000, default 1. */
  speed?: number;
  /** Seed of the run's random streams (flaky faults, noise); default 1. */
  seed?: number;
  /** The meters' local time against UTC, minutes (DL/T 645 meters keep local time); default 0. */
  utcOffsetMinutes?: number;
  /** Hold replies back by the wire time of a line (serial and RTU over TCP only). */
  lineTiming?: { turnaroundMs: number };
  /** Shared simulated clock; one is made from `baseClock` and `speed` when absent. */
  simClock?: AcceleratedClock;
  baseClock?: Clock;
}

export interface RunningSimulator {
  readonly simulation: Simulation;
  readonly bus: SimBus;
  readonly clock: AcceleratedClock;
  /** Where the gateway should connect: `host:port` for TCP, the device path for serial. */
  readonly address: string;
  /** The TCP port actually bound (for port 0), if TCP. */
  readonly port?: number;
  stop(): Promise<void>;
}

export async function startSimulator(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const baseClock = options.baseClock ?? new SystemClock();
  const clock = options.simClock ?? new AcceleratedClock(options.speed ?? 1, baseClock.now(), baseClock);
  const simulation = new Simulation({
    clock,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes: options.utcOffsetMinutes }),
  });
  const dlt = options.dltMeters !== undefined;
  const bus = simulation.addBus("main", dlt ? "dlt645" : "modbus");
  for (const meter of options.meters) simulation.addMeter("main", toSetup(meter));
  for (const meter of options.dltMeters ?? []) simulation.addDltMeter("main", meter);
  const dltSlave = simulation.dltSlaves.get("main");
  const served = await serveEndpoint(bus, toEndpointSpec(options.endpoint, options.lineTiming), {
    clock: clock.base,
    resolvePath: (path) => path,
    ...(dltSlave === undefined ? {} : { dltSlave }),
  });
  simulation.start();
  return {
    simulation,
    bus,
    clock,
    address: served.address,
    ...(served.port === undefined ? {} : { port: served.port }),
    stop: async () => {
      simulation.stop();
      await served.stop();
    },
  };
}

function toSetup(meter: SimulatedMeter): MeterSetup {
  const { powerW, load, ...rest } = meter;
  return { ...rest, load: load ?? { kind: "constant", powerW: powerW ?? 2000 } };
}

function toEndpointSpec(
  endpoint: SimEndpoint,
  lineTiming: { turnaroundMs: number } | undefined,
): EndpointSpec {
  switch (endpoint.kind) {
    case "tcp":
      return { kind: "tcp", host: endpoint.host, port: endpoint.port };
    case "rtu-over-tcp":
      return {
        kind: "rtu-over-tcp",
        host: endpoint.host,
        port: endpoint.port,
        baud: 9600,
        ...(lineTiming === undefined ? {} : { lineTiming }),
      };
    case "serial":
      return {
        kind: "serial",
        device: endpoint.path,
        baud: endpoint.baudRate ?? 9600,
        parity: endpoint.parity ?? "none",
        ...(lineTiming === undefined ? {} : { lineTiming }),
        ...(endpoint.masterPty === undefined ? {} : { masterPty: endpoint.masterPty }),
      };
    case "pty":
      return {
        kind: "pty",
        ...(endpoint.link === undefined ? {} : { link: endpoint.link }),
        baud: endpoint.baudRate ?? 9600,
        parity: endpoint.parity ?? "none",
        strictBaud: false,
        ...(lineTiming === undefined ? {} : { lineTiming }),
      };
  }
}
