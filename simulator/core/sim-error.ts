/**
 * Errors of the simulator's own API (control interface, scenario building): GatewayErrors with one of
 * the simulator's codes, which the HTTP layer maps to a status. Modbus-level problems are never errors
 * here: they are replies.
 */
import { GatewayError, type ErrorCode } from "../../core/errors.ts";

/** The codes a {@link SimError} carries. */
export type SimErrorCode =
  | ErrorCode.NotFound
  | ErrorCode.AmbiguousUnit
  | ErrorCode.InvalidRequest
  | ErrorCode.NotSupported
  | ErrorCode.ScenarioInvalid
  | ErrorCode.ProfileUnknown
  | ErrorCode.EndpointUnavailable;

/** A GatewayError narrowed to the simulator's codes, so the HTTP layer's status table is complete. */
export class SimError extends GatewayError {
  override readonly name = "SimError";
  declare readonly code: SimErrorCode;

  constructor(code: SimErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, {}, options);
  }
}

/** True for a {@link SimError} (with `code`, if given). */
export function isSimError(error: unknown, code?: SimErrorCode): error is SimError {
  return error instanceof SimError && (code === undefined || error.code === code);
}
