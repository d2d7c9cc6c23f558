/**
 * The endpoint of a DL/T 645 command line: `--serial DEVICE` (2400 8E1 unless --baud/--parity say
 * otherwise: the usual DL/T 645 line, not Modbus's 9600 8N1 defaults) or `--tcp HOST:PORT` /
 * `--rtu-over-tcp HOST:PORT` for a transparent converter (DL/T 645 has no TCP framing of its own).
 */
import type { Command } from "commander";
import type { Dlt645Endpoint } from "../../protocols/dlt645/transport/endpoint.ts";
import { endpointFromOptions, type EndpointOptions } from "./endpoint.ts";

/** `command`'s endpoint options read for DL/T 645. @throws UsageError as for Modbus */
export function dlt645EndpointFromOptions(options: EndpointOptions, command: Command): Dlt645Endpoint {
  const given = (name: string) => command.getOptionValueSource(name) === "cli";
  const endpoint = endpointFromOptions({
    ...options,
    baud: given("baud") ? options.baud : "2400",
    parity: given("parity") ? options.parity : "even",
  });
  if (endpoint.kind === "rtu") {
    const { path, baudRate, parity, dataBits, stopBits } = endpoint;
    return { kind: "serial", path, baudRate, parity, dataBits, stopBits };
  }
  return { kind: "tcp", host: endpoint.host, port: endpoint.port };
}

/** Reply timeout for DL/T 645 commands when --timeout is not given: turnaround up to 500 ms plus the reply. */
export function dlt645TimeoutMs(options: { timeout?: string }, command: Command, fallbackMs: number): number {
  return command.getOptionValueSource("timeout") === "cli" ? Number(options.timeout) : fallbackMs;
}
