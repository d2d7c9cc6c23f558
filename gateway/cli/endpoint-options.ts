/** Turns `--tcp HOST:PORT` / `--serial DEVICE --baud B --parity P` options into a transport endpoint. */
import type { Command } from "commander";
import type { TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import { UsageError } from "./output.ts";

export interface EndpointOptions {
  tcp?: string;
  rtuOverTcp?: string;
  serial?: string;
  baud?: string;
  parity?: string;
  dataBits?: string;
  stopBits?: string;
}

const baudRates = [1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200];

function hostPort(text: string, flag: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535)
    throw new UsageError(`${flag} takes HOST:PORT (got '${text}')`);
  return { host: match[1]!, port };
}

export function endpointFromOptions(options: EndpointOptions): TransportEndpoint {
  const given = [options.tcp, options.rtuOverTcp, options.serial].filter((v) => v !== undefined).length;
  if (given !== 1)
    throw new UsageError("give exactly one of --tcp HOST:PORT, --rtu-over-tcp HOST:PORT or --serial DEVICE");
  if (options.tcp !== undefined) return { kind: "tcp", ...hostPort(options.tcp, "--tcp") };
  if (options.rtuOverTcp !== undefined)
    return { kind: "rtu-over-tcp", ...hostPort(options.rtuOverTcp, "--rtu-over-tcp") };
  const baudRate = Number(options.baud ?? 9600);
  if (!baudRates.includes(baudRate))
    throw new UsageError(`--baud must be one of ${baudRates.join(", ")} (got ${options.baud})`);
  const parity = options.parity ?? "none";
  if (parity !== "none" && parity !== "even" && parity !== "odd") {
    throw new UsageError(`--parity must be none, even or odd (got ${parity})`);
  }
  const dataBits = Number(options.dataBits ?? 8);
  const stopBits = Number(options.stopBits ?? 1);
  if (dataBits !== 7 && dataBits !== 8) throw new UsageError("--data-bits must be 7 or 8");
  if (stopBits !== 1 && stopBits !== 2) throw new UsageError("--stop-bits must be 1 or 2");
  return { kind: "rtu", path: options.serial!, baudRate, parity, dataBits, stopBits };
}

/** Adds the endpoint options (`--serial` with its line settings, `--tcp`, `--rtu-over-tcp`) to a command. */
export function withEndpointOptions(command: Command): Command {
  return command
    .option("--serial <device>", "RS-485 serial device, e.g. /dev/ttyUSB0")
    .option("--baud <rate>", "baud rate for --serial (scan: a list, e.g. 2400,4800,9600)", "9600")
    .option("--parity <parity>", "none, even or odd (scan: a list, e.g. none,even)", "none")
    .option("--data-bits <bits>", "7 or 8", "8")
    .option("--stop-bits <bits>", "1 or 2", "1")
    .option("--tcp <host:port>", "Modbus TCP endpoint")
    .option("--rtu-over-tcp <host:port>", "transparent TCP-to-RS485 converter");
}
