/**
 * `meter-gateway`: the service and the technician's command line. Errors reach the user as one plain
 * line (no stack trace) and a non-zero exit code: 1 for a failure, 2 for a usage mistake.
 */
import { Command, CommanderError } from "commander";
import { isGatewayError } from "../../core/errors.ts";
import { UsageError } from "./output.ts";
import { version } from "./version.ts";

/**
 * The command line's first word that is not an option (`run` in `meter-gateway run -c FILE`), or
 * undefined when there is none (`meter-gateway --help`).
 */
function commandWord(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((arg) => !arg.startsWith("-"));
}

/**
 * The program for `argv`. For `run` only the `run` command is loaded: the service then does not hold the
 * modules of the other commands (the demo, scan, doctor, the reference command client: 0.6 MiB of
 * heap, docs/bench.md "Memory, second round"); `meter-gateway run --help` reads the same.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command("meter-gateway")
    .description("Prepaid metering gateway: polls meters, enforces credit at the edge, syncs over MQTT")
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  if (commandWord(argv) === "run") (await import("./run.ts")).registerRun(program);
  else (await import("./commands.ts")).registerAllCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${isGatewayError(error) ? error.message : String(error)}\n`);
    if (!isGatewayError(error) && error instanceof Error && process.env["DEBUG"] !== undefined) {
      process.stderr.write(`${error.stack}\n`);
    }
    return 1;
  }
}

const code = await main(process.argv);
process.exitCode = code;
