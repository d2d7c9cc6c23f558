/**
 * Runs `meter-gateway command ...` from source without gateway/cli/main.ts (which the lead wires), with
 * the same error handling: usage mistakes exit 2, failures print one line and exit 1.
 *
 * Usage: node --import tsx test/helpers/uplink/command-cli.ts command topup --config client.yaml ...
 */
import { Command, CommanderError } from "commander";
import { registerCommand } from "../../../gateway/cli/command.ts";
import { UsageError } from "../../../gateway/cli/output.ts";

const program = new Command("meter-gateway").exitOverride();
registerCommand(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
  else {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
