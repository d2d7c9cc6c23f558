/**
 * Errors of the simulator's own API (control interface, scenario building), with a code the HTTP layer
 * maps to a status. Modbus-level problems are never errors here: they are replies.
 */
export type SimErrorCode =
  | "NOT_FOUND"
  | "AMBIGUOUS_UNIT"
  | "INVALID_REQUEST"
  | "NOT_SUPPORTED"
  | "SCENARIO_INVALID"
  | "PROFILE_UNKNOWN"
  | "ENDPOINT_UNAVAILABLE";

export class SimError extends Error {
  override readonly name = "SimError";

  constructor(
    readonly code: SimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isSimError(error: unknown, code?: SimErrorCode): error is SimError {
  return error instanceof SimError && (code === undefined || error.code === code);
}
