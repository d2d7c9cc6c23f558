/** `meter-gateway doctor -c FILE`: everything a technician checks on site, in plain words. */
import type { Command } from "commander";
import { ConfigError, formatConfigErrors } from "../config/index.ts";
import { loadConfigFile } from "./config-file.ts";
import { checkMeters } from "./doctor-meters.ts";
import {
  checkBroker,
  checkClock,
  checkDatabase,
  checkDisk,
  checkSerialDevices,
  type CheckResult,
} from "./doctor-checks.ts";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description(
      "check config, serial devices, each meter read with its own profile, broker, database, disk and clock, and say how to fix what is wrong",
    )
    .requiredOption("-c, --config <file>", "config file (YAML)")
    .option("--json", "machine-readable output")
    .action(async (options: { config: string; json?: boolean }) => {
      const results: CheckResult[] = [];
      let config;
      try {
        config = (await loadConfigFile(options.config)).config;
        results.push({ name: `config ${options.config}`, ok: true, detail: "valid" });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        results.push({
          name: `config ${options.config}`,
          ok: false,
          detail: formatConfigErrors(error.errors, options.config),
          fix: "correct the lines above (meter-gateway check-config shows them too)",
        });
      }
      if (config !== undefined) {
        const serial = checkSerialDevices(config);
        results.push(...serial);
        const badDevices = new Set(serial.filter((r) => !r.ok).map((r) => r.name));
        const usable = {
          ...config,
          buses: config.buses.filter(
            (b) => b.transport !== "rtu" || ![...badDevices].some((n) => n.includes(`(bus ${b.id})`)),
          ),
        };
        results.push(
          ...(await checkMeters(usable)),
          ...(await checkBroker(config)),
          ...checkDatabase(config),
          ...checkDisk(config),
          ...checkClock(),
        );
      }
      const failed = results.filter((r) => !r.ok);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ ok: failed.length === 0, checks: results }, null, 2)}\n`);
      } else {
        for (const r of results) {
          const mark = r.ok ? (r.level === "warn" ? "WARN" : " OK ") : "FAIL";
          process.stdout.write(`[${mark}] ${r.name}: ${r.detail}\n`);
          if (!r.ok && r.fix !== undefined) process.stdout.write(`       fix: ${r.fix}\n`);
        }
        process.stdout.write(
          failed.length === 0 ? "all checks passed\n" : `${failed.length} problem(s) found\n`,
        );
      }
      if (failed.length > 0) process.exitCode = 1;
    });
}
