/**
 * Names the Modbus request an error belongs to (`FC03 0xFC00 x2: exception 02 illegal data address`).
 * The transport only knows it failed; the driver knows which register block of which profile it asked
 * for, so the wording is added here, inside the exchange, before the scheduler counts the error: the
 * same text then reaches /status lastError, events, logs and `read`.
 */
import { ErrorCode, GatewayError, isGatewayError, modbusExceptionNames } from "../../core/errors.ts";

/** One Modbus request: function code, first address (0..65535) and register/bit count (1..2000). */
export interface ModbusRequestRef {
  readonly fc: number;
  readonly address: number;
  readonly count: number;
}

/** `FC03 0xFC00 x2`: function code, PDU address in hex, count. */
export function describeRequest(request: ModbusRequestRef): string {
  const fc = request.fc.toString().padStart(2, "0");
  const address = request.address.toString(16).toUpperCase().padStart(4, "0");
  return `FC${fc} 0x${address} x${request.count}`;
}

/** `exception 02 illegal data address`. */
export function describeException(modbusCode: number): string {
  const code = modbusCode.toString(16).toUpperCase().padStart(2, "0");
  return `exception ${code} ${modbusExceptionNames[modbusCode] ?? "unknown exception"}`;
}

/**
 * Failures of one request and its reply. Link failures (port gone, connection refused or closed) are
 * left as they are: they are about the bus, not about this request.
 */
const requestErrorCodes: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.Timeout,
  ErrorCode.CrcError,
  ErrorCode.ShortReply,
  ErrorCode.BadReply,
  ErrorCode.WrongUnit,
  ErrorCode.ModbusException,
]);

/**
 * The same error (same code, same context plus `request`, `fc`, `address`, `count`) with the request
 * named at the front of its message; anything else is returned unchanged.
 */
export function withRequest(error: unknown, request: ModbusRequestRef): unknown {
  if (!isGatewayError(error) || !requestErrorCodes.has(error.code)) return error;
  const text = describeRequest(request);
  const modbusCode = error.modbusCode;
  const detail =
    error.code === ErrorCode.ModbusException && modbusCode !== undefined
      ? describeException(modbusCode)
      : error.message;
  return new GatewayError(
    error.code,
    `${text}: ${detail}`,
    { ...error.context, request: text, fc: request.fc, address: request.address, count: request.count },
    { cause: error },
  );
}

/** Runs one exchange and names its request on failure. */
export async function naming<T>(request: ModbusRequestRef, exchange: () => Promise<T>): Promise<T> {
  try {
    return await exchange();
  } catch (error) {
    throw withRequest(error, request);
  }
}
