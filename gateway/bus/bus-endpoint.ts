/** The transport endpoint a configured bus connects to. */
import type { TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import type { BusConfig } from "../config/index.ts";

export function endpointOfBus(bus: BusConfig): TransportEndpoint {
  switch (bus.transport) {
    case "rtu":
      return {
        kind: "rtu",
        path: bus.path,
        baudRate: bus.baudRate,
        parity: bus.parity,
        dataBits: bus.dataBits,
        stopBits: bus.stopBits,
      };
    case "tcp":
    case "rtu-over-tcp":
      return { kind: bus.transport, host: bus.host, port: bus.port };
  }
}
