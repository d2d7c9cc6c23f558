/**
 * `meter-sim`: simulated meters for testers. Serves Modbus meters on TCP, RTU over TCP, a serial device
 * or a pty pair it creates; `meter-sim ctl ...` drives a running one. Errors are one line, exit code 1.
 */
import { Command } from "commander";
import { reportError } from "./fail.ts";
import { registerCtl } from "./ctl.ts";
import { serve } from "./serve.ts";
import type { ServeFlags } from "./serve-options.ts";

export function buildProgram(): Command {
  const program = new Command("meter-sim")
    .description(
      "Simulated Modbus meters (with faults, a timeline and a control interface) for testing a gateway",
    )
    .enablePositionalOptions()
    .showHelpAfterError("(meter-sim --help shows every option)")
    .exitOverride()
    .option("--modbus-tcp <host:port>", "serve Modbus TCP here")
    .option("--rtu-over-tcp <host:port>", "serve Modbus RTU frames over TCP here (a transparent converter)")
    .option("--serial <device>", "serve Modbus RTU on this serial device")
    .option("--pty", "create a linked pty pair (socat), serve one end and print the other for the gateway")
    .option("--pty-link <path>", "with --pty: where to put the gateway's end (default: a temp dir)")
    .option(
      "--strict-baud",
      "with --pty: answer only requests the gateway sends at --baud, as a real meter (to practise scan)",
    )
    .option("--baud <n>", "serial line speed, 1200..921600", "9600")
    .option("--parity <p>", "serial parity: none | even | odd", "none")
    .option(
      "--profile <id>",
      "meter profile: sdm120, sdm630, dtsu666, generic-prepaid or one in --profiles-dir",
      "sdm120",
    )
    .option("--profiles-dir <dir>", "directory of extra profile files")
    .option("--units <list>", "unit ids, e.g. 1-10,12,15-17", "1")
    .option("--power <W>", "constant load of each meter, W", "2000")
    .option("--energy <Wh>", "import energy of each meter at start, Wh", "0")
    .option("--serial-number <n>", "serial number of the first unit (the others count up)")
    .option("--relay <state>", "relay at start: closed | open", "closed")
    .option("--speed <N>", "time acceleration, 0.001..1000000 (default 1, or the scenario's)")
    .option("--seed <n>", "seed of every random choice (default 1, or the scenario's)")
    .option("--start <iso>", "simulated start time, e.g. 2026-01-05T00:00:00Z (default now)")
    .option("--control <port>", "HTTP control interface on 127.0.0.1:PORT (0: any free port)")
    .option("--scenario <file>", "run a scenario file (buses, meters, timeline)")
    .option("--line-timing", "hold replies back by the wire time of a real serial line")
    .option(
      "--turnaround-ms <ms>",
      "meter turnaround added by --line-timing, 0..10000 (implies --line-timing)",
    )
    .action(async (flags: ServeFlags) => {
      await serve(flags, (line) => process.stdout.write(`${line}\n`));
    });
  registerCtl(program, (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`));
  return program;
}

export async function main(argv: string[]): Promise<number | undefined> {
  try {
    await buildProgram().parseAsync(argv);
    // Serving keeps the process alive on its servers; ctl calls have finished.
    return undefined;
  } catch (error) {
    return reportError(error);
  }
}

const code = await main(process.argv);
if (code !== undefined) process.exit(code);
