/**
 * Per-meter link statistics: what a technician needs to tell a dead meter from a noisy cable from a
 * wrong register map.
 */
import { ErrorCode, errorCounterKey, type GatewayError } from "../../core/errors.ts";

export type LinkState = "unknown" | "online" | "offline";

export interface MeterCounters {
  /** Successful transactions. */
  ok: number;
  /** Failed transactions by error key: TIMEOUT, CRC_ERROR, SHORT_REPLY, MODBUS_EXCEPTION_02, ... */
  errors: Record<string, number>;
  pollsOk: number;
  pollsFailed: number;
  /** Wall-clock ms of the last successful transaction. */
  lastSeenMs: number | undefined;
  lastError: { code: string; message: string; atMs: number } | undefined;
  consecutiveFailedPolls: number;
  state: LinkState;
  /** Monotonic ms before which the meter is not polled again (backoff), if backed off. */
  backoffUntilMono: number | undefined;
}

export function newCounters(): MeterCounters {
  return {
    ok: 0,
    errors: {},
    pollsOk: 0,
    pollsFailed: 0,
    lastSeenMs: undefined,
    lastError: undefined,
    consecutiveFailedPolls: 0,
    state: "unknown",
    backoffUntilMono: undefined,
  };
}

export function countError(counters: MeterCounters, error: GatewayError, atMs: number): void {
  const key = errorCounterKey(error);
  counters.errors[key] = (counters.errors[key] ?? 0) + 1;
  counters.lastError = { code: key, message: error.message, atMs };
}

/** Errors worth another attempt at once: the line may be fine the next time. Exceptions are answers. */
export function isTransient(error: GatewayError): boolean {
  switch (error.code) {
    case ErrorCode.Timeout:
    case ErrorCode.CrcError:
    case ErrorCode.ShortReply:
    case ErrorCode.BadReply:
    case ErrorCode.WrongUnit:
      return true;
    case ErrorCode.ModbusException:
      // 05 acknowledge and 06 busy ask the master to come back; 0B: a gateway's target was silent.
      return error.modbusCode === 0x05 || error.modbusCode === 0x06 || error.modbusCode === 0x0b;
    default:
      return false;
  }
}

/** Failures of the bus itself rather than of one meter: the port or the TCP connection. */
export function isBusFailure(error: GatewayError): boolean {
  switch (error.code) {
    case ErrorCode.PortNotFound:
    case ErrorCode.PortPermissionDenied:
    case ErrorCode.PortClosed:
    case ErrorCode.ConnectionRefused:
    case ErrorCode.ConnectTimeout:
    case ErrorCode.ConnectionClosed:
    case ErrorCode.ConnectionReset:
    case ErrorCode.ConnectionLost:
    case ErrorCode.ConnectionSilent:
    case ErrorCode.TransportError:
      return true;
    default:
      return false;
  }
}

/** Bus state as a technician sees it: up once the link carried a reply, down after a link failure. */
export type BusState = "unknown" | "up" | "down";

/** Per-bus link statistics: the port or connection itself, apart from any one meter. */
export interface BusCounters {
  state: BusState;
  /** Successful opens (TCP connects, serial opens). */
  opens: number;
  /** Link failures by code: CONNECTION_CLOSED, CONNECTION_RESET, CONNECT_TIMEOUT, PORT_NOT_FOUND, ... */
  errors: Record<string, number>;
  lastError: { code: string; message: string; atMs: number } | undefined;
  /** Wall-clock ms the bus went down, while it is down. */
  downSinceMs: number | undefined;
  /** Monotonic ms of the next reopen attempt, while one is scheduled. */
  reopenAtMono: number | undefined;
}

export function newBusCounters(): BusCounters {
  return {
    state: "unknown",
    opens: 0,
    errors: {},
    lastError: undefined,
    downSinceMs: undefined,
    reopenAtMono: undefined,
  };
}
