/**
 * Our Modbus transport interface (STYLE.md principle 3). The bus scheduler talks only to this; the
 * modbus-serial adapter is one implementation, tests may hand in others. Every failure is a
 * GatewayError with a distinct code: TIMEOUT, CRC_ERROR, SHORT_REPLY, WRONG_UNIT, MODBUS_EXCEPTION, ...
 */
import type { GatewayError } from "../../../core/errors.ts";
import type { BitReadFc, RegisterReadFc } from "../pdu.ts";

/**
 * Where a request's outcome goes when it is not a promise (ModbusTransport.readRegistersTo): one of the
 * two is called once, as a method, never in the turn the request was made, and must not throw.
 */
export interface ReplyHandler<T> {
  answered(value: T): void;
  failed(error: GatewayError): void;
}

export interface ModbusTransport {
  /** Human-readable endpoint, e.g. `/dev/ttyUSB0 9600 8N1` or `tcp 10.0.0.5:502`. */
  readonly description: string;
  readonly isOpen: boolean;
  /** Replies dropped because no request waited for their transaction id (Modbus TCP only). */
  readonly unmatchedReplies?: number;
  open(): Promise<void>;
  close(): Promise<void>;
  /**
   * Reads `count` registers. `into` (length `count`), when given, may be filled and returned instead of
   * a new array: a caller that reads the same block again and again passes its own (the Modbus TCP
   * client does; the words are the caller's until its next read with that array).
   */
  readRegisters(
    unit: number,
    fc: RegisterReadFc,
    address: number,
    count: number,
    timeoutMs: number,
    into?: number[],
  ): Promise<number[]>;
  /**
   * readRegisters with its outcome handed to `handler` instead of a promise, for links that offer it
   * (the Modbus TCP client): the periodic poll makes no promise per request there. A poll alone keeps
   * those promises alive for the 20 ms its replies take, and they were most of what the garbage
   * collector promoted (docs/bench.md). Callers fall back to readRegisters where it is absent.
   */
  readRegistersTo?(
    unit: number,
    fc: RegisterReadFc,
    address: number,
    count: number,
    timeoutMs: number,
    into: number[] | undefined,
    handler: ReplyHandler<number[]>,
  ): void;
  readBits(
    unit: number,
    fc: BitReadFc,
    address: number,
    count: number,
    timeoutMs: number,
  ): Promise<boolean[]>;
  writeCoil(unit: number, address: number, value: boolean, timeoutMs: number): Promise<void>;
  writeRegister(unit: number, address: number, value: number, timeoutMs: number): Promise<void>;
  /** FC 16: 1..123 registers from `address` in one request (terminal display blocks). */
  writeRegisters(unit: number, address: number, values: readonly number[], timeoutMs: number): Promise<void>;
}

/** Where a transport connects. Mirrors the bus config, without scheduling fields. */
export type TransportEndpoint =
  | {
      kind: "rtu";
      path: string;
      baudRate: number;
      parity: "none" | "even" | "odd";
      dataBits: 7 | 8;
      stopBits: 1 | 2;
    }
  | { kind: "tcp" | "rtu-over-tcp"; host: string; port: number };

/**
 * Time bounds of the steps around requests (each request has its own reply timeout). Every step is
 * bounded: a hostile or vanished peer costs at most these, never a hang.
 */
export interface TransportOptions {
  /** TCP connect or serial open, ms (10..60000), default 3000. */
  connectTimeoutMs?: number;
  /** Polite close (FIN) before the socket is destroyed, or serial close, ms (0..10000), default 500. */
  closeTimeoutMs?: number;
  /** Idle time before the first TCP keepalive probe, ms (1000..7200000), default 10000. */
  keepAliveMs?: number;
}

/** Builds a transport for an endpoint; injected so tests can substitute their own. */
export type TransportFactory = (endpoint: TransportEndpoint, options?: TransportOptions) => ModbusTransport;

export function describeEndpoint(endpoint: TransportEndpoint): string {
  switch (endpoint.kind) {
    case "rtu": {
      const parity = endpoint.parity === "none" ? "N" : endpoint.parity === "even" ? "E" : "O";
      return `${endpoint.path} ${endpoint.baudRate} ${endpoint.dataBits}${parity}${endpoint.stopBits}`;
    }
    case "tcp":
    case "rtu-over-tcp":
      return `${endpoint.kind} ${endpoint.host}:${endpoint.port}`;
  }
}
