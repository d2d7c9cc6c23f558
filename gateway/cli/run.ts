/**
 * `meter-gateway run -c FILE`: the service. SIGTERM and SIGINT finish the batch in hand, flush and
 * close the database; a second SIGINT exits at once.
 */
import type { Command } from "commander";
import { SystemClock } from "../../core/clock.ts";
import { createLogger, type Logger } from "../../core/logger.ts";
import { Gateway } from "../service/gateway.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { loadConfigFile } from "./config-file.ts";
import { version } from "./version.ts";
import { ConfigError, formatConfigErrors } from "../config/index.ts";

/** Registers `run`: loads and checks the config, starts the gateway, stops it on SIGTERM/SIGINT. */
export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run the gateway service")
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .option("--pretty", "human-readable logs instead of JSON")
    .action(async (options: { config: string; pretty?: boolean }) => {
      let loaded;
      try {
        loaded = await loadConfigFile(options.config, { checkHost: true });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${formatConfigErrors(error.errors, options.config)}\n`);
        process.exitCode = 1;
        return;
      }
      const { config } = loaded;
      const logger = createLogger({ level: config.gateway.logLevel, pretty: options.pretty === true });
      const gateway = new Gateway(config, {
        clock: new SystemClock(),
        version,
        logger,
        transportFactory: modbusTransportFactory,
        profiles: loadProfiles(config.gateway.profilesDir),
      });
      await gateway.start();
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) process.exit(130);
          stopping = true;
          logger.info({ signal }, "stopping");
          gateway.stop().then(resolve, (error: unknown) => {
            logger.error({ err: error }, "unclean stop");
            process.exitCode = 1;
            resolve();
          });
        };
        process.on("SIGTERM", () => stop("SIGTERM"));
        process.on("SIGHUP", () => reload(gateway, options.config, logger));
        process.on("SIGINT", () => stop("SIGINT"));
      });
    });
}

/**
 * SIGHUP: re-reads the config file and applies what can change while running; a config that does not
 * load is refused and logged, and the running one stays in force.
 */
function reload(gateway: Gateway, configPath: string, logger: Logger): void {
  loadConfigFile(configPath, { checkHost: true })
    .then((next) => gateway.reload(next.config))
    .then(({ applied, needsRestart }) => {
      logger.info(
        { applied },
        applied.length === 0
          ? "config reloaded: nothing changed"
          : `config reloaded: applied ${applied.join(", ")}`,
      );
      if (needsRestart.length > 0)
        logger.warn({ needsRestart }, `config reload: restart to apply ${needsRestart.join(", ")}`);
    })
    .catch((error: unknown) => {
      const detail =
        error instanceof ConfigError ? formatConfigErrors(error.errors, configPath) : String(error);
      logger.error({ detail }, "config reload refused: the running config stays in force");
      try {
        gateway.reloadRefused(detail.split("\n").filter((line) => line.trim() !== ""));
      } catch (recordError) {
        logger.error({ err: recordError }, "config reload refused: the event could not be recorded");
      }
    });
}
