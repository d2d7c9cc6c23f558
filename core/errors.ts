/**
 * One error type with a code enum and structured context (STYLE.md principle 6).
 * Modbus exceptions are codes, not strings; edges turn these into responses or events, never crashes.
 */
export enum ErrorCode {
  // Bus and transport
  Timeout = "TIMEOUT",
  CrcError = "CRC_ERROR",
  ShortReply = "SHORT_REPLY",
  BadReply = "BAD_REPLY",
  WrongUnit = "WRONG_UNIT",
  ModbusException = "MODBUS_EXCEPTION",
  /**
   * A DL/T 645 meter answered with its error byte (control D6 set: 0xD1, 0xD2, 0xD4, 0xDC); the byte is
   * `context.errorByte`, its decoded reasons `context.reasons` (02 no requested data, 04 no authority).
   */
  MeterErrorReply = "METER_ERROR_REPLY",
  PortNotFound = "PORT_NOT_FOUND",
  PortPermissionDenied = "PORT_PERMISSION_DENIED",
  PortClosed = "PORT_CLOSED",
  ConnectionRefused = "CONNECTION_REFUSED",
  /** The TCP connect (or serial open) did not complete within the connect timeout. */
  ConnectTimeout = "CONNECT_TIMEOUT",
  /** The peer closed the connection (FIN). */
  ConnectionClosed = "CONNECTION_CLOSED",
  /** The peer reset the connection (RST, EPIPE). */
  ConnectionReset = "CONNECTION_RESET",
  /** The peer vanished without closing: TCP keepalive or retransmission gave up (ETIMEDOUT). */
  ConnectionLost = "CONNECTION_LOST",
  /** A connection that carries no reply at all: several requests in a row timed out on it. */
  ConnectionSilent = "CONNECTION_SILENT",
  TransportError = "TRANSPORT_ERROR",
  /** A meter broke off between two answers of one reading (a retried request), again when read over. */
  ReadingInterrupted = "READING_INTERRUPTED",
  // Config and data
  ConfigInvalid = "CONFIG_INVALID",
  ProfileInvalid = "PROFILE_INVALID",
  UnsupportedQuantity = "UNSUPPORTED_QUANTITY",
  /** The data directory's file system has no room (SQLITE_FULL, ENOSPC). */
  DiskFull = "DISK_FULL",
  /** A meter id that no bus serves, asked for at run time (a config names its meters when it loads). */
  UnknownMeter = "UNKNOWN_METER",
  /** A command line the CLI cannot run: a bad flag value or conflicting flags. */
  Usage = "USAGE",
  // The simulator's own API (control interface, scenario building); Modbus-level problems are replies.
  NotFound = "NOT_FOUND",
  AmbiguousUnit = "AMBIGUOUS_UNIT",
  InvalidRequest = "INVALID_REQUEST",
  NotSupported = "NOT_SUPPORTED",
  ScenarioInvalid = "SCENARIO_INVALID",
  ProfileUnknown = "PROFILE_UNKNOWN",
  EndpointUnavailable = "ENDPOINT_UNAVAILABLE",
  Internal = "INTERNAL",
  /** A platform command refused inside its unit of work, which rolls back (the refusal is the reply). */
  CommandRefused = "COMMAND_REFUSED",
}

/** Modbus exception codes (Modbus Application Protocol v1.1b3, section 7). */
export const modbusExceptionNames: Readonly<Record<number, string>> = {
  0x01: "illegal function",
  0x02: "illegal data address",
  0x03: "illegal data value",
  0x04: "server device failure",
  0x05: "acknowledge",
  0x06: "server device busy",
  0x08: "memory parity error",
  0x0a: "gateway path unavailable",
  0x0b: "gateway target device failed to respond",
};

/**
 * The one error type. Subclasses (ConfigError, SimError, the CLIs' UsageError) only narrow the code or
 * carry structured data the callers read; their names stay what stack traces have always shown.
 */
export class GatewayError extends Error {
  override readonly name: string = "GatewayError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** For {@link ErrorCode.ModbusException}: the exception code the slave returned. */
  get modbusCode(): number | undefined {
    const value = this.context["modbusCode"];
    return typeof value === "number" ? value : undefined;
  }
}

export function isGatewayError(error: unknown, code?: ErrorCode): error is GatewayError {
  return error instanceof GatewayError && (code === undefined || error.code === code);
}

/**
 * The counter key for an error: its code, or `MODBUS_EXCEPTION_02` / `METER_ERROR_REPLY_04` style for a
 * Modbus exception or a DL/T 645 error reply.
 */
export function errorCounterKey(error: GatewayError): string {
  const byte =
    error.code === ErrorCode.ModbusException
      ? error.modbusCode
      : error.code === ErrorCode.MeterErrorReply
        ? error.context["errorByte"]
        : undefined;
  if (typeof byte === "number") return `${error.code}_${byte.toString(16).padStart(2, "0").toUpperCase()}`;
  return error.code;
}

export function modbusException(modbusCode: number, context: Record<string, unknown> = {}): GatewayError {
  const name = modbusExceptionNames[modbusCode] ?? "unknown exception";
  return new GatewayError(
    ErrorCode.ModbusException,
    `Modbus exception 0x${modbusCode.toString(16).padStart(2, "0")} (${name})`,
    { ...context, modbusCode },
  );
}
