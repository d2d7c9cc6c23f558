/**
 * How the CLI fails: one plain line on stderr naming the problem, exit code 1, no stack trace (set
 * DEBUG=meter-sim to see one).
 */
import { CommanderError } from "commander";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";

/** A mistake in how the command was called (bad flag value, conflicting flags). */
export class UsageError extends GatewayError {
  override readonly name = "UsageError";

  constructor(message: string) {
    super(ErrorCode.Usage, message);
  }
}

/** The one line for an error, without the "meter-sim:" prefix. */
export function errorLine(error: unknown): string {
  // UsageError and SimError are GatewayErrors too.
  if (isGatewayError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Reports an error as one line and returns the exit code (1; 0 for --help / --version). */
export function reportError(error: unknown, program = "meter-sim"): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
  process.stderr.write(`${program}: error: ${errorLine(error).split("\n").join(" ")}\n`);
  if (process.env["DEBUG"]?.includes("meter-sim") === true && error instanceof Error) {
    process.stderr.write(`${error.stack}\n`);
  }
  return 1;
}

/** Parses a number flag within bounds, or throws a UsageError naming the flag. */
export function numberFlag(flag: string, raw: string, min: number, max: number, integer = false): number {
  const value = Number(raw);
  if (
    raw.trim() === "" ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new UsageError(
      `${flag} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got '${raw}'`,
    );
  }
  return value;
}

/** Parses `host:port` (`:port` means 127.0.0.1; `[::1]:502` for IPv6). */
export function hostPortFlag(flag: string, raw: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(raw.trim());
  if (match === null) throw new UsageError(`${flag} wants HOST:PORT (e.g. 127.0.0.1:5020), got '${raw}'`);
  const host = match[1] ?? (match[2] === "" ? "127.0.0.1" : match[2]!);
  return { host, port: numberFlag(`${flag} port`, match[3]!, 0, 65_535, true) };
}
