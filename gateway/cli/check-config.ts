/** `meter-gateway check-config -c FILE`: every error at once with path and line; exit 1 when invalid. */
import type { Command } from "commander";
import { ConfigError, formatConfigErrors, summarizeConfig } from "../config/index.ts";
import { loadConfigFile } from "./config-file.ts";

export function registerCheckConfig(program: Command): void {
  program
    .command("check-config")
    .description("validate a config file: print every error with its line, or a summary when it is valid")
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .action(async (options: { config: string }) => {
      try {
        const { config, warnings } = await loadConfigFile(options.config, { checkHost: true });
        if (warnings.length > 0)
          process.stderr.write(
            `${formatConfigErrors(warnings, options.config).replace(/^/gm, "warning: ")}\n`,
          );
        process.stdout.write(`${options.config}: valid\n${summarizeConfig(config)}\n`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${formatConfigErrors(error.errors, options.config)}\n`);
        process.stderr.write(`${options.config}: ${error.errors.length} error(s)\n`);
        process.exitCode = 1;
      }
    });
}
