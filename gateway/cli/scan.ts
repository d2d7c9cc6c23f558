/** `meter-gateway scan`: probe each unit id on a bus, show progress, list the meters that answered. */
import type { Command } from "commander";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { endpointFromOptions, withEndpointOptions, type EndpointOptions } from "./endpoint.ts";
import { formatQuantity, table, UsageError } from "./output.ts";
import { BusProber, type ScanHit } from "./probe.ts";
import { parseUnitList } from "../../protocols/modbus/unit-list.ts";
import { describeEndpoint } from "../../protocols/modbus/transport/transport.ts";

interface ScanOptions extends EndpointOptions {
  units: string;
  timeout: string;
  json?: boolean;
  profilesDir?: string;
}

/** Prints the meters found as a table, or what to check when none answered. */
function printHits(hits: readonly ScanHit[], units: string): void {
  if (hits.length === 0) {
    process.stdout.write(
      `no meter answered on units ${units}. Check wiring (A/B swapped?), baud rate and parity, ` +
        `and that the meters' unit ids are in the range.\n`,
    );
    return;
  }
  const rows = hits.map((h) => [
    String(h.unit),
    h.profile === undefined
      ? "unknown (answers, but no profile fits)"
      : [h.profile, ...h.alternatives].join(" or "),
    h.values.serialNumber !== undefined
      ? String(h.values.serialNumber)
      : h.missing?.includes("serialNumber") === true
        ? "not supported"
        : "-",
    (h.values.voltageV ?? h.values.voltageL1V) === undefined
      ? "-"
      : formatQuantity("voltageV", (h.values.voltageV ?? h.values.voltageL1V)!),
    h.values.importEnergyWh === undefined ? "-" : formatQuantity("importEnergyWh", h.values.importEnergyWh),
  ]);
  process.stdout.write(`${table(rows, ["unit", "profile", "serial", "voltage", "import energy"])}\n`);
  process.stdout.write(`${hits.length} meter(s) found\n`);
}

/** Registers `scan`: probes each unit id on a bus and guesses its profile. */
export function registerScan(program: Command): void {
  withEndpointOptions(program.command("scan"))
    .description("find the meters on a bus: probe each unit id and guess its profile")
    .option("--units <list>", "unit ids to probe, e.g. 1-247 or 1-10,20", "1-247")
    .option("--timeout <ms>", "reply timeout per probe (10..5000)", "200")
    .option("--profiles-dir <dir>", "extra profile directory")
    .option("--json", "machine-readable output")
    .action(async (options: ScanOptions) => {
      const endpoint = endpointFromOptions(options);
      const parsed = parseUnitList(options.units);
      if (!parsed.ok) throw new UsageError(`--units: ${parsed.error}`);
      const units = parsed.units;
      const timeoutMs = Number(options.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > 5000) {
        throw new UsageError("--timeout must be 10..5000 ms");
      }
      const profiles = loadProfiles(options.profilesDir);
      const prober = new BusProber(modbusTransportFactory(endpoint), profiles, timeoutMs);
      const hits: ScanHit[] = [];
      const progress = process.stderr.isTTY && options.json !== true;
      try {
        process.stderr.write(
          `scanning ${describeEndpoint(endpoint)}, units ${options.units}, ${timeoutMs} ms per probe\n`,
        );
        for (const [i, unit] of units.entries()) {
          if (progress)
            process.stderr.write(`\r  unit ${unit} (${i + 1}/${units.length}), found ${hits.length} `);
          if (await prober.present(unit)) {
            const hit = await prober.identify(unit);
            hits.push(hit);
            if (!progress && options.json !== true) process.stderr.write(`  unit ${unit} answered\n`);
          }
        }
        if (progress) process.stderr.write("\n");
      } finally {
        await prober.close();
      }
      if (options.json === true) {
        process.stdout.write(
          `${JSON.stringify({ endpoint: describeEndpoint(endpoint), found: hits }, null, 2)}\n`,
        );
        return;
      }
      printHits(hits, options.units);
    });
}
