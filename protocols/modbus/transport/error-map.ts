/**
 * modbus-serial reports failures as strings and errno fields; these functions turn them into our
 * codes (STYLE.md principle 6), so a technician and the counters can tell a silent unit from a
 * truncated reply, a CRC error, a missing device or a refused connection.
 */
import { ErrorCode, GatewayError, isGatewayError, modbusException } from "../../../core/errors.ts";
import { classifyLeftover } from "./leftover.ts";
import type { TransportEndpoint } from "./transport.ts";

/** The fields modbus-serial and Node put on their errors. */
interface LibError {
  message?: string;
  errno?: string;
  code?: string;
  modbusCode?: number;
  name?: string;
}

/**
 * The error of a failed transaction.
 * @param leftover bytes that arrived before a timeout (undefined when the port keeps no buffer)
 */
export function transactionError(
  err: unknown,
  unit: number,
  description: string,
  context: Record<string, unknown>,
  leftover: Uint8Array | undefined,
): GatewayError {
  const e = (err ?? {}) as LibError;
  const message = e.message ?? String(err);
  if (typeof e.modbusCode === "number") return modbusException(e.modbusCode, context);
  if (e.errno === "ETIMEDOUT" || message === "Timed out") return timeoutError(unit, context, leftover);
  if (message.startsWith("CRC error"))
    return new GatewayError(ErrorCode.CrcError, `unit ${unit}: CRC error`, context);
  if (message.startsWith("Data length error")) {
    return new GatewayError(ErrorCode.ShortReply, `unit ${unit}: ${message}`, context);
  }
  if (message.includes("expected address")) {
    return new GatewayError(ErrorCode.WrongUnit, `unit ${unit}: ${message}`, context);
  }
  if (message.startsWith("Unexpected data"))
    return new GatewayError(ErrorCode.BadReply, `unit ${unit}: ${message}`, context);
  if (message === "Port Not Open" || e.errno === "ECONNREFUSED") {
    return new GatewayError(ErrorCode.PortClosed, `${description}: port not open`, context);
  }
  return new GatewayError(ErrorCode.TransportError, `${description}: ${message}`, context, { cause: err });
}

/** Nothing complete arrived in time; what did arrive tells a silent unit from a truncated or foreign reply. */
export function timeoutError(
  unit: number,
  context: Record<string, unknown>,
  leftover: Uint8Array | undefined,
): GatewayError {
  const kind = leftover === undefined ? "none" : classifyLeftover(leftover, unit);
  switch (kind) {
    case "short":
      return new GatewayError(
        ErrorCode.ShortReply,
        `unit ${unit}: reply cut short (${leftover?.length} bytes)`,
        context,
      );
    case "wrong-unit":
      return new GatewayError(ErrorCode.WrongUnit, `unit ${unit}: reply came from another unit id`, context);
    case "garbage":
      return new GatewayError(ErrorCode.BadReply, `unit ${unit}: unparseable bytes on the line`, context);
    case "none":
      return new GatewayError(ErrorCode.Timeout, `no reply from unit ${unit}`, context);
  }
}

/** The error of a failed serial open (TCP connects are mapped in tcp-socket.ts). */
export function openError(error: unknown, endpoint: TransportEndpoint, description: string): GatewayError {
  if (isGatewayError(error)) return error;
  const e = (error ?? {}) as LibError;
  const message = e.message ?? String(error);
  const context = { endpoint: description };
  const path = endpoint.kind === "rtu" ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
  if (/ENOENT|No such file/i.test(message) || e.code === "ENOENT") {
    return new GatewayError(ErrorCode.PortNotFound, `serial device ${path} does not exist`, context);
  }
  if (/EACCES|Permission denied/i.test(message) || e.code === "EACCES") {
    return new GatewayError(
      ErrorCode.PortPermissionDenied,
      `permission denied opening ${path}: add the user to the dialout group ` +
        `(sudo usermod -aG dialout $USER, then log in again)`,
      context,
    );
  }
  if (/ECONNREFUSED/.test(message) || e.errno === "ECONNREFUSED" || e.code === "ECONNREFUSED") {
    return new GatewayError(ErrorCode.ConnectionRefused, `${description}: connection refused`, context);
  }
  return new GatewayError(ErrorCode.TransportError, `${description}: ${message}`, context, { cause: error });
}
