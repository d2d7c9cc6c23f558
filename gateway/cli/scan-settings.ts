/**
 * The line settings `scan` tries: `--baud 2400,4800,9600 --parity none,even` is every combination, in
 * that order (each baud rate with each parity), for a bus whose meters' settings nobody wrote down.
 */
import type { TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import { endpointFromOptions, type EndpointOptions } from "./endpoint-options.ts";
import { UsageError } from "./output.ts";

/** How a serial line is set: what a meter answered on. */
export interface LineSettings {
  baudRate: number;
  parity: "none" | "even" | "odd";
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

/** The endpoint's line settings, or undefined for TCP (the converter or the meter owns the line). */
export function lineOf(endpoint: TransportEndpoint): LineSettings | undefined {
  if (endpoint.kind !== "rtu") return undefined;
  const { baudRate, parity, dataBits, stopBits } = endpoint;
  return { baudRate, parity, dataBits, stopBits };
}

/** `4800 8E1`: baud rate, data bits, parity letter, stop bits, as meter manuals write it. */
export function lineLabel(line: LineSettings): string {
  const parity = line.parity === "none" ? "N" : line.parity === "even" ? "E" : "O";
  return `${line.baudRate} ${line.dataBits}${parity}${line.stopBits}`;
}

const list = (text: string | undefined) =>
  (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/**
 * One endpoint per combination of the comma-separated `--baud` and `--parity` lists (each value checked
 * as for a single setting), duplicates dropped. Lists apply to `--serial` only.
 * @throws UsageError naming the option at fault
 */
export function scanEndpoints(options: EndpointOptions): TransportEndpoint[] {
  const bauds = list(options.baud);
  const parities = list(options.parity);
  if (options.serial === undefined) {
    if (bauds.length > 1 || parities.length > 1)
      throw new UsageError("lists of --baud or --parity apply to --serial only");
    return [endpointFromOptions(options)];
  }
  if (bauds.length === 0) throw new UsageError("--baud needs at least one rate, e.g. 2400,4800,9600");
  if (parities.length === 0) throw new UsageError("--parity needs at least one of none, even, odd");
  const endpoints = new Map<string, TransportEndpoint>();
  for (const baud of bauds) {
    for (const parity of parities) {
      const endpoint = endpointFromOptions({ ...options, baud, parity });
      endpoints.set(lineLabel(lineOf(endpoint)!), endpoint);
    }
  }
  return [...endpoints.values()];
}

/** `1 min 23 s`, `45 s`: a duration for a person, ms in. */
export function formatDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
