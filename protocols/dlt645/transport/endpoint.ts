/**
 * Where a DL/T 645 link connects: a serial device (a USB-RS485 adapter, or a pty in tests) or a
 * transparent TCP-to-RS485 converter that passes the frames through unchanged.
 */

export type Dlt645Endpoint =
  | {
      kind: "serial";
      path: string;
      /** Bits per second; DL/T 645 meters usually run at 2400 (1200 on old ones). */
      baudRate: number;
      parity: "none" | "even" | "odd";
      dataBits: 7 | 8;
      stopBits: 1 | 2;
    }
  | { kind: "tcp"; host: string; port: number };

/** `/dev/ttyUSB0 2400 8E1` or `tcp 10.0.0.7:8899`, for messages. */
export function describeDlt645Endpoint(endpoint: Dlt645Endpoint): string {
  if (endpoint.kind === "tcp") return `dlt645 tcp ${endpoint.host}:${endpoint.port}`;
  const parity = endpoint.parity === "none" ? "N" : endpoint.parity === "even" ? "E" : "O";
  return `${endpoint.path} ${endpoint.baudRate} ${endpoint.dataBits}${parity}${endpoint.stopBits}`;
}

/** Time bounds of the steps around requests (each request has its own reply timeout). */
export interface Dlt645LinkOptions {
  /** TCP connect or serial open, ms (10..60000), default 3000. */
  connectTimeoutMs?: number;
  /** Close (serial close, or FIN before the socket is destroyed), ms (0..10000), default 500. */
  closeTimeoutMs?: number;
  /** Idle time before the first TCP keepalive probe, ms (1000..7200000), default 10000. */
  keepAliveMs?: number;
  /** Writing one frame to the port (drain), ms (10..30000), default 2000. */
  writeTimeoutMs?: number;
}
