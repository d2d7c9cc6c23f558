/**
 * The default transport factory: which implementation serves which kind of link.
 * - `tcp` (Modbus TCP, MBAP): our lean client (mbap-client.ts), which can keep several requests in
 *   flight per connection, matched by transaction id.
 * - `rtu` and `rtu-over-tcp`: modbus-serial (modbus-serial.ts). An RS-485 line, and a transparent
 *   converter in front of one, carries one request at a time and frames by silence and CRC; there is
 *   nothing to pipeline, and modbus-serial's RTU framing is field-proven.
 */
import { MbapTcpTransport } from "./mbap-client.ts";
import { ModbusSerialTransport } from "./modbus-serial.ts";
import type { ModbusTransport, TransportEndpoint, TransportOptions } from "./transport.ts";

export const modbusTransportFactory = (
  endpoint: TransportEndpoint,
  options?: TransportOptions,
): ModbusTransport =>
  endpoint.kind === "tcp"
    ? new MbapTcpTransport({ kind: "tcp", host: endpoint.host, port: endpoint.port }, options)
    : new ModbusSerialTransport(endpoint, options);
