/**
 * Starts simulated meters on one endpoint: the programmatic form of `meter-sim`, used by the CLI, the
 * demo and tests.
 */
import type { Clock } from "../gateway/core/clock.ts";
import { SystemClock } from "../gateway/core/clock.ts";
import type { ResolvedProfile } from "../protocols/profiles/resolve.ts";
import { SimBus } from "./core/sim-bus.ts";
import { SimClock } from "./core/sim-clock.ts";
import { SimMeter, type SimMeterOptions } from "./core/sim-meter.ts";
import { SimSerialServer } from "./servers/serial-server.ts";
import { SimTcpServer } from "./servers/tcp-server.ts";

export type SimEndpoint =
  | { kind: "tcp" | "rtu-over-tcp"; host: string; port: number }
  | { kind: "serial"; path: string; baudRate?: number; parity?: "none" | "even" | "odd" };

export interface StartSimulatorOptions {
  endpoint: SimEndpoint;
  meters: Array<Omit<SimMeterOptions, "profile"> & { profile: ResolvedProfile }>;
  /** Time acceleration, default 1. */
  speed?: number;
  /** Shared simulated clock; one is made from `baseClock` and `speed` when absent. */
  simClock?: SimClock;
  baseClock?: Clock;
}

export interface RunningSimulator {
  readonly bus: SimBus;
  readonly clock: SimClock;
  /** Where the gateway should connect: `host:port` for TCP, the device path for serial. */
  readonly address: string;
  /** The TCP port actually bound (for port 0), if TCP. */
  readonly port?: number;
  stop(): Promise<void>;
}

export async function startSimulator(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const clock = options.simClock ?? new SimClock(options.baseClock ?? new SystemClock(), options.speed ?? 1);
  const bus = new SimBus(clock);
  for (const meter of options.meters) bus.add(new SimMeter(meter, clock));
  const endpoint = options.endpoint;
  switch (endpoint.kind) {
    case "tcp":
    case "rtu-over-tcp": {
      const server = new SimTcpServer(bus, {
        host: endpoint.host,
        port: endpoint.port,
        framing: endpoint.kind === "tcp" ? "mbap" : "rtu-over-tcp",
      });
      const address = await server.start();
      return {
        bus,
        clock,
        address: `${address.address}:${address.port}`,
        port: address.port,
        stop: () => server.stop(),
      };
    }
    case "serial": {
      const server = new SimSerialServer(bus, {
        path: endpoint.path,
        ...(endpoint.baudRate === undefined ? {} : { baudRate: endpoint.baudRate }),
        ...(endpoint.parity === undefined ? {} : { parity: endpoint.parity }),
      });
      await server.start();
      return { bus, clock, address: endpoint.path, stop: () => server.stop() };
    }
  }
}
