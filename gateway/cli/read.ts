/**
 * `meter-gateway read`: one reading, every quantity with its unit, from an endpoint given on the
 * command line or a meter named in the config file. A configured meter is read through the running
 * service when it runs (it owns the port; read-service.ts), else by opening the port here.
 */
import type { Command } from "commander";
import { protocolOf } from "./protocol-option.ts";
import { runDlt645Read, type Dlt645ReadOptions } from "./read-dlt645.ts";
import { SystemClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import { BusScheduler } from "../bus/scheduler.ts";
import { endpointOfBus } from "../bus/bus-endpoint.ts";
import type { PollResult } from "../metering/driver.ts";
import { ModbusMeterDriver } from "../metering/modbus-driver.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import { describeEndpoint, type TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { endpointFromOptions, withEndpointOptions, type EndpointOptions } from "./endpoint-options.ts";
import { loadConfigFile } from "./config-file.ts";
import { quantityLines, table, UsageError } from "./output.ts";
import { readThroughService } from "./read-service.ts";

interface ReadOptions extends EndpointOptions {
  config?: string;
  meter?: string;
  unit?: string;
  profile?: string;
  timeout?: string;
  profilesDir?: string;
  json?: boolean;
}

interface Target {
  endpoint: TransportEndpoint;
  unit: number;
  profileId: string;
  profilesDir: string | undefined;
  timeoutMs: number;
  label: string;
}

async function resolveTarget(options: ReadOptions): Promise<Target> {
  if (options.config !== undefined) {
    if (options.meter === undefined) throw new UsageError("with -c, name the meter: --meter ID");
    const { config } = await loadConfigFile(options.config);
    const meter = config.meters.find((m) => m.id === options.meter);
    if (meter === undefined) {
      throw new UsageError(
        `no meter '${options.meter}' in ${options.config} (meters: ${config.meters.map((m) => m.id).join(", ")})`,
      );
    }
    const bus = config.buses.find((b) => b.id === meter.bus)!;
    if (meter.protocol !== "modbus" || bus.protocol !== "modbus")
      throw new UsageError(`meter ${meter.id} speaks DL/T 645: read it with --protocol dlt645`);
    return {
      endpoint: endpointOfBus(bus),
      unit: meter.unit,
      profileId: meter.profile,
      profilesDir: config.gateway.profilesDir,
      timeoutMs: options.timeout === undefined ? bus.timeoutMs : Number(options.timeout),
      label: `meter ${meter.id}`,
    };
  }
  const unit = Number(options.unit);
  if (!Number.isInteger(unit) || unit < 1 || unit > 247) throw new UsageError("--unit must be 1..247");
  if (options.profile === undefined)
    throw new UsageError("--profile is required (e.g. sdm120), or use -c CONFIG --meter ID");
  return {
    endpoint: endpointFromOptions(options),
    unit,
    profileId: options.profile,
    profilesDir: options.profilesDir,
    timeoutMs: Number(options.timeout ?? 1000),
    label: `unit ${unit}`,
  };
}

/** Prints one meter's reading: JSON, or a table of quantities with their units. */
function printReading(target: Target, profileId: string, result: PollResult, json: boolean): void {
  if (json) {
    const out = {
      endpoint: describeEndpoint(target.endpoint),
      unit: target.unit,
      profile: profileId,
      ...result,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${target.label} (${profileId}) on ${describeEndpoint(target.endpoint)}\n`);
  const rows = quantityLines(result.values);
  for (const m of result.missing ?? []) rows.push([m.quantity, `not supported by this meter (${m.message})`]);
  if (result.relayClosed !== undefined)
    rows.push(["relay", result.relayClosed ? "closed (supply on)" : "open (supply cut)"]);
  process.stdout.write(`${table(rows)}\n`);
}

/** Opens the port (or connection) itself and reads the meter once. */
async function readOffline(target: Target, json: boolean): Promise<void> {
  const profile = requireProfile(loadProfiles(target.profilesDir), target.profileId);
  const transport = modbusTransportFactory(target.endpoint);
  const scheduler = new BusScheduler(transport, {
    busId: "read",
    clock: new SystemClock(),
    timeoutMs: target.timeoutMs,
    interFrameGapMs: 5,
  });
  const driver = new ModbusMeterDriver(profile, target.unit);
  try {
    const result = await scheduler.enqueue({
      meterId: target.label,
      priority: "poll",
      retries: 1,
      run: (tx) => driver.poll(tx),
    });
    printReading(target, profile.id, result, json);
  } catch (error) {
    throw plainTimeout(error, target);
  } finally {
    await scheduler.stop();
  }
}

/** A timeout says which unit on which line did not answer, and what to check. */
function plainTimeout(error: unknown, target: Target): unknown {
  if (!isGatewayError(error, ErrorCode.Timeout)) return error;
  const request = error.context["request"];
  return new GatewayError(
    ErrorCode.Timeout,
    `${typeof request === "string" ? `${request}: ` : ""}` +
      `no reply from unit ${target.unit} within ${target.timeoutMs} ms on ${describeEndpoint(target.endpoint)}: ` +
      (target.endpoint.kind === "rtu"
        ? "check the unit id, wiring (A/B), baud rate and parity"
        : "check the unit id and that the peer speaks this protocol (--tcp: Modbus TCP, --rtu-over-tcp: raw RTU)"),
    error.context,
  );
}

/** DL/T 645 when --protocol says so, or when the configured meter named by --meter is one. */
async function readsDlt645(options: ReadOptions & { protocol?: string }): Promise<boolean> {
  if (options.protocol !== undefined) return protocolOf(options.protocol) === "dlt645";
  if (options.config === undefined) return false;
  const { config } = await loadConfigFile(options.config);
  return config.meters.find((m) => m.id === options.meter)?.protocol === "dlt645";
}

/** Registers `read`: one meter, read once, by config (--meter) or by endpoint, unit and profile. */
export function registerRead(program: Command): void {
  withEndpointOptions(program.command("read"))
    .description("read one meter once and print every quantity with its unit")
    .option("-c, --config <file>", "config file, with --meter")
    .option("--meter <id>", "configured meter to read")
    .option("--unit <n>", "Modbus unit id 1..247")
    .option("--profile <id>", "meter profile, e.g. sdm120")
    .option("--profiles-dir <dir>", "extra profile directory")
    .option("--timeout <ms>", "reply timeout (10..30000)")
    .option("--json", "machine-readable output")
    .option("--protocol <name>", "modbus or dlt645 (default: the configured meter's, else modbus)")
    .option("--address <digits>", "DL/T 645 meter address, 12 digits")
    .action(async (options: ReadOptions & Dlt645ReadOptions & { protocol?: string }, command: Command) => {
      if (await readsDlt645(options)) return runDlt645Read(options, command);
      const target = await resolveTarget(options);
      if (!Number.isInteger(target.timeoutMs) || target.timeoutMs < 10 || target.timeoutMs > 30_000) {
        throw new UsageError("--timeout must be 10..30000 ms");
      }
      const json = options.json === true;
      // While the service runs it holds the port: ask it. Otherwise open the port here.
      if (options.config !== undefined && options.meter !== undefined)
        if (await readThroughService(options.config, options.meter, target, json)) return;
      await readOffline(target, json);
    });
}
