/** Starts the server for one bus's endpoint: TCP (MBAP or RTU), a serial device, or a pty pair we create. */
import type { Clock } from "../../core/clock.ts";
import type { SimBus } from "../core/sim-bus.ts";
import type { EndpointSpec } from "../scenario/endpoint-schema.ts";
import { LineTiming } from "./line-timing.ts";
import { createPty, type PtyPair } from "./pty.ts";
import { SimSerialServer } from "./serial-server.ts";
import { SimTcpServer } from "./tcp-server.ts";

export interface ServedEndpoint {
  /** Where the gateway connects: `host:port`, or the device path (for a pty: the gateway's end). */
  readonly address: string;
  /** The TCP port actually bound, for TCP endpoints. */
  readonly port?: number;
  stop(): Promise<void>;
}

export async function serveEndpoint(
  bus: SimBus,
  endpoint: EndpointSpec,
  options: { clock: Clock; resolvePath: (path: string) => string },
): Promise<ServedEndpoint> {
  const { clock } = options;
  switch (endpoint.kind) {
    case "tcp":
    case "rtu-over-tcp": {
      const server = new SimTcpServer(bus, {
        host: endpoint.host,
        port: endpoint.port,
        framing: endpoint.kind === "tcp" ? "mbap" : "rtu-over-tcp",
        clock,
        ...(endpoint.kind === "rtu-over-tcp" && endpoint.lineTiming !== undefined
          ? { lineTiming: new LineTiming(endpoint.baud, endpoint.lineTiming.turnaroundMs) }
          : {}),
      });
      const bound = await server.start();
      const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
      return { address: `${host}:${bound.port}`, port: bound.port, stop: () => server.stop() };
    }
    case "serial":
      return serveSerial(bus, options.resolvePath(endpoint.device), endpoint, clock, undefined);
    case "pty": {
      const pty = await createPty(
        endpoint.link === undefined ? undefined : options.resolvePath(endpoint.link),
      );
      try {
        const strict = endpoint.strictBaud ? { masterPty: pty.gatewayPath } : {};
        return await serveSerial(bus, pty.simulatorPath, { ...endpoint, ...strict }, clock, pty);
      } catch (error) {
        await pty.close();
        throw error;
      }
    }
  }
}

/** Serves RTU on `path`; for a pty, the gateway is told the other end and stopping also ends socat. */
async function serveSerial(
  bus: SimBus,
  path: string,
  endpoint: Extract<EndpointSpec, { kind: "serial" | "pty" }> & { masterPty?: string },
  clock: Clock,
  pty: PtyPair | undefined,
): Promise<ServedEndpoint> {
  const server = new SimSerialServer(bus, {
    path,
    baudRate: endpoint.baud,
    parity: endpoint.parity,
    clock,
    ...(endpoint.masterPty === undefined ? {} : { masterPty: endpoint.masterPty }),
    ...(endpoint.lineTiming === undefined
      ? {}
      : { lineTiming: new LineTiming(endpoint.baud, endpoint.lineTiming.turnaroundMs) }),
  });
  await server.start();
  return {
    address: pty?.gatewayPath ?? path,
    stop: async () => {
      await server.stop();
      await pty?.close();
    },
  };
}
