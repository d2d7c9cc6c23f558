/**
 * `meter-gateway`: the service and the technician's command line. Errors reach the user as one plain
 * line (no stack trace) and a non-zero exit code: 1 for a failure, 2 for a usage mistake.
 */
import { Command, CommanderError } from "commander";
import { isGatewayError } from "../../core/errors.ts";
import { registerCheckConfig } from "./check-config.ts";
import { registerCommand } from "./command.ts";
import { registerDemo } from "./demo.ts";
import { registerDoctor } from "./doctor.ts";
import { UsageError } from "./output.ts";
import { registerPasswd } from "./passwd.ts";
import { registerRead } from "./read.ts";
import { registerRestore } from "./restore.ts";
import { registerRun } from "./run.ts";
import { registerScan } from "./scan.ts";
import { registerStatus } from "./status-command.ts";
import { registerTechnicianCommands } from "./technician.ts";
import { registerAccountCommands } from "./technician-account.ts";
import { registerTopup } from "./topup.ts";
import { version } from "./version.ts";

export function buildProgram(): Command {
  const program = new Command("meter-gateway")
    .description("Prepaid metering gateway: polls meters, enforces credit at the edge, syncs over MQTT")
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  registerCheckConfig(program);
  registerScan(program);
  registerRead(program);
  registerRun(program);
  registerDemo(program);
  registerStatus(program);
  registerDoctor(program);
  registerTopup(program);
  registerTechnicianCommands(program);
  registerAccountCommands(program);
  registerRestore(program);
  registerCommand(program);
  registerPasswd(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
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
