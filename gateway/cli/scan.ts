/**
 * `meter-gateway scan`: probe each unit id on a bus, at one or several line settings, show progress
 * with the time the probing can take at most, and list the meters that answered and on what settings.
 */
import type { Command } from "commander";
import { SystemClock } from "../../core/clock.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { describeEndpoint, type TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { parseUnitList } from "../../protocols/modbus/unit-list.ts";
import { withEndpointOptions, type EndpointOptions } from "./endpoint-options.ts";
import { formatQuantity, table, UsageError } from "./output.ts";
import { BusProber } from "./probe.ts";
import { formatDuration, lineLabel, lineOf, scanEndpoints } from "./scan-settings.ts";
import { probingBoundMs, sweep, timeLeftMs, type FoundMeter, type SweepProgress } from "./scan-sweep.ts";
import { protocolOf } from "./protocol-option.ts";
import { runDlt645Scan, type Dlt645ScanOptions } from "./scan-dlt645.ts";

interface ScanOptions extends EndpointOptions {
  units: string;
  timeout: string;
  json?: boolean;
  profilesDir?: string;
}

const labels = (endpoints: readonly TransportEndpoint[]) =>
  endpoints.map((e) => lineOf(e)).flatMap((line) => (line === undefined ? [] : [lineLabel(line)]));

/** Prints the meters found as a table, or what to check when none answered. */
function printHits(hits: readonly FoundMeter[], units: string, tried: readonly string[]): void {
  if (hits.length === 0) {
    const at = tried.length > 1 ? ` at ${tried.join(", ")}` : "";
    process.stdout.write(
      `no meter answered on units ${units}${at}. Check wiring (A/B swapped?), baud rate and parity, ` +
        `and that the meters' unit ids are in the range.\n`,
    );
    return;
  }
  const withLine = hits.some((h) => h.line !== undefined);
  const rows = hits.map((h) => [
    String(h.unit),
    ...(withLine ? [h.line === undefined ? "-" : lineLabel(h.line)] : []),
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
  const header = ["unit", ...(withLine ? ["line"] : []), "profile", "serial", "voltage", "import energy"];
  process.stdout.write(`${table(rows, header)}\n`);
  process.stdout.write(`${hits.length} meter(s) found\n`);
}

/** The one line progress on a terminal: setting, unit, found, time spent and left. */
function progressLine(p: SweepProgress, timeoutMs: number): string {
  const setting = p.line === undefined ? "" : `${lineLabel(p.line)} (${p.setting}/${p.settings}): `;
  return (
    `\r  ${setting}unit ${p.unit} (${p.index}/${p.units}), found ${p.found}, ` +
    `${formatDuration(p.elapsedMs)} spent, about ${formatDuration(timeLeftMs(p, timeoutMs))} left `
  );
}

function parseTimeout(text: string): number {
  const timeoutMs = Number(text);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 10 || timeoutMs > 5000)
    throw new UsageError("--timeout must be 10..5000 ms");
  return timeoutMs;
}

/** Registers `scan`: probes each unit id on a bus, at each line setting given, and guesses its profile. */
export function registerScan(program: Command): void {
  withEndpointOptions(program.command("scan"))
    .description(
      "find the meters on a bus: probe each unit id (Modbus) or read the address / probe addresses (DL/T 645), and guess the profile",
    )
    .option("--units <list>", "unit ids to probe, e.g. 1-247 or 1-10,20", "1-247")
    .option("--timeout <ms>", "reply timeout per probe (10..5000)", "200")
    .option("--profiles-dir <dir>", "extra profile directory")
    .option("--json", "machine-readable output")
    .option("--protocol <name>", "modbus or dlt645", "modbus")
    .option("--address <list>", "dlt645: addresses to probe, e.g. 000000000001-000000000010,000000001668")
    .addHelpText(
      "after",
      "\n--baud and --parity take lists for --serial, e.g. --baud 2400,4800,9600 --parity none,even:\n" +
        "every combination is tried, and each meter is listed with the line settings it answered on.",
    )
    .action(async (options: ScanOptions & Dlt645ScanOptions & { protocol: string }, command: Command) => {
      if (protocolOf(options.protocol) === "dlt645") return runDlt645Scan(options, command);
      await runModbusScan(options);
    });
}

/** The Modbus scan: every unit at every line setting given, with progress; prints the meters found. */
async function runModbusScan(options: ScanOptions): Promise<void> {
  const endpoints = scanEndpoints(options);
  const parsed = parseUnitList(options.units);
  if (!parsed.ok) throw new UsageError(`--units: ${parsed.error}`);
  const units = parsed.units;
  const timeoutMs = parseTimeout(options.timeout);
  const profiles = loadProfiles(options.profilesDir);
  const tried = labels(endpoints);
  const boundMs = probingBoundMs(endpoints.length, units.length, timeoutMs);
  const quiet = options.json === true;
  const progress = process.stderr.isTTY && !quiet;
  const where =
    endpoints.length === 1
      ? describeEndpoint(endpoints[0]!)
      : `${options.serial} at ${endpoints.length} line settings (${tried.join(", ")})`;
  process.stderr.write(
    `scanning ${where}, units ${options.units}, ${timeoutMs} ms per probe: ` +
      `about ${formatDuration(boundMs)} if nothing answers\n`,
  );
  let lastSetting = 0;
  const hits = await sweep({
    endpoints,
    units,
    clock: new SystemClock(),
    openProber: (endpoint) => new BusProber(modbusTransportFactory(endpoint), profiles, timeoutMs),
    onProbe: (p) => {
      if (progress) process.stderr.write(progressLine(p, timeoutMs));
      else if (!quiet && p.line !== undefined && endpoints.length > 1 && p.setting !== lastSetting)
        process.stderr.write(`  trying ${lineLabel(p.line)} (${p.setting}/${p.settings})\n`);
      lastSetting = p.setting;
    },
    onFound: (meter) => {
      if (progress || quiet) return;
      const on = meter.line === undefined ? "" : ` on ${lineLabel(meter.line)}`;
      process.stderr.write(`  unit ${meter.unit} answered${on}\n`);
    },
  });
  if (progress) process.stderr.write("\n");
  if (options.json === true) {
    const endpoint = endpoints.length === 1 ? describeEndpoint(endpoints[0]!) : options.serial;
    const json = { endpoint, ...(tried.length > 0 ? { tried } : {}), found: hits };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  printHits(hits, options.units, tried);
}
