/**
 * Logs: pino JSON on stdout for journald; human-readable lines in the demo and on a terminal.
 * The level comes from config, overridden by LOG_LEVEL in the environment.
 */
import { createRequire } from "node:module";
import { pino, type Logger } from "pino";
import type { PrettyOptions, PrettyStream } from "pino-pretty";

/**
 * pino-pretty is loaded only when human-readable output is asked for: the service under systemd logs
 * JSON and need not hold pino-pretty (and colorette, dateformat ...) in memory (issue 13).
 */
function loadPretty(): (options: PrettyOptions) => PrettyStream {
  const require = createRequire(import.meta.url);
  return require("pino-pretty") as (options: PrettyOptions) => PrettyStream;
}

export type { Logger };

export interface LoggerOptions {
  level?: string;
  /** Human-readable output instead of JSON. */
  pretty?: boolean;
  /** Destination stream, default stdout. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = process.env["LOG_LEVEL"] ?? options.level ?? "info";
  const base = {
    level,
    base: undefined,
    redact: { paths: ["*.commandKey", "*.password", "commandKey", "password"], censor: "[redacted]" },
  };
  if (options.pretty === true) {
    return pino(
      base,
      loadPretty()({
        sync: true,
        colorize: process.stdout.isTTY,
        translateTime: "SYS:HH:MM:ss",
        ignore: "pid,hostname",
        destination: options.destination ?? process.stdout,
      }),
    );
  }
  return pino(base, options.destination ?? process.stdout);
}

/** A logger that drops everything (tests, one-shot CLI commands). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
