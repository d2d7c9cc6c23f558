/**
 * `meter-gateway read --protocol dlt645 --address A`: one DL/T 645 meter read once with its profile
 * (default dlt645-single-phase), every quantity printed with its unit; or `-c CONFIG --meter ID` for a
 * configured DL/T 645 meter, on its bus's line settings.
 */
import type { Command } from "commander";
import { SystemClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import { BusScheduler } from "../bus/scheduler.ts";
import { addressProblem } from "../config/dlt645.ts";
import { factoryPassword } from "../config/meter-password.ts";
import { Dlt645MeterDriver } from "../metering/dlt645-driver.ts";
import { endpointOfDlt645Bus } from "../service/build-bus.ts";
import { describeDlt645Endpoint, type Dlt645Endpoint } from "../../protocols/dlt645/transport/endpoint.ts";
import { streamDlt645LinkFactory } from "../../protocols/dlt645/transport/stream-link.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { requireDlt645Profile } from "../../protocols/profiles/load.ts";
import { loadConfigFile } from "./config-file.ts";
import { dlt645EndpointFromOptions, dlt645TimeoutMs } from "./dlt645-endpoint.ts";
import type { EndpointOptions } from "./endpoint.ts";
import { quantityLines, table, UsageError } from "./output.ts";

export interface Dlt645ReadOptions extends EndpointOptions {
  config?: string;
  meter?: string;
  address?: string;
  profile?: string;
  timeout?: string;
  profilesDir?: string;
  json?: boolean;
}

interface Target {
  endpoint: Dlt645Endpoint;
  address: string;
  profileId: string;
  profilesDir: string | undefined;
  timeoutMs: number;
  timeZone: string;
}

async function resolveTarget(options: Dlt645ReadOptions, command: Command): Promise<Target> {
  if (options.config !== undefined) {
    const { config } = await loadConfigFile(options.config);
    const meter = config.meters.find((m) => m.id === options.meter);
    const bus = config.buses.find((b) => b.id === meter?.bus);
    if (meter?.protocol !== "dlt645" || bus?.protocol !== "dlt645")
      throw new UsageError(`no DL/T 645 meter '${options.meter ?? ""}' in ${options.config}`);
    return {
      endpoint: endpointOfDlt645Bus(bus),
      address: meter.address,
      profileId: meter.profile,
      profilesDir: config.gateway.profilesDir,
      timeoutMs: dlt645TimeoutMs(options, command, bus.timeoutMs),
      timeZone: config.gateway.timezone,
    };
  }
  const address = options.address ?? "";
  const problem = addressProblem(address);
  if (problem !== undefined) throw new UsageError(`--address ${problem} (--address 000000000001)`);
  return {
    endpoint: dlt645EndpointFromOptions(options, command),
    address,
    profileId: options.profile ?? "dlt645-single-phase",
    profilesDir: options.profilesDir,
    timeoutMs: dlt645TimeoutMs(options, command, 1500),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}

/** Reads the meter once and prints the reading (or its JSON). */
export async function runDlt645Read(options: Dlt645ReadOptions, command: Command): Promise<void> {
  const target = await resolveTarget(options, command);
  if (!Number.isInteger(target.timeoutMs) || target.timeoutMs < 10 || target.timeoutMs > 30_000)
    throw new UsageError("--timeout must be 10..30000 ms");
  const profile = requireDlt645Profile(loadProfiles(target.profilesDir), target.profileId);
  const where = describeDlt645Endpoint(target.endpoint);
  const scheduler = new BusScheduler(streamDlt645LinkFactory(target.endpoint), {
    busId: "read",
    clock: new SystemClock(),
    timeoutMs: target.timeoutMs,
    interFrameGapMs: 20,
  });
  // Reading needs no password; the factory one only fills the driver's relay credentials.
  const driver = new Dlt645MeterDriver(profile, target.address, {
    clock: new SystemClock(),
    timeZone: target.timeZone,
    credentials: { level: 2, password: factoryPassword, operatorCode: "00000000" },
  });
  try {
    const result = await scheduler.enqueue({
      meterId: target.address,
      priority: "poll",
      retries: 1,
      run: (tx) => driver.poll(tx),
    });
    if (options.json === true) {
      const out = {
        endpoint: where,
        protocol: "dlt645",
        address: target.address,
        profile: profile.id,
        ...result,
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    process.stdout.write(`meter ${target.address} (${profile.id}) on ${where}\n`);
    const rows = quantityLines(result.values);
    for (const m of result.missing ?? [])
      rows.push([m.quantity, `not supported by this meter (${m.message})`]);
    if (result.relayClosed !== undefined)
      rows.push(["relay", result.relayClosed ? "closed (supply on)" : "open (supply cut)"]);
    process.stdout.write(`${table(rows)}\n`);
  } catch (error) {
    if (!isGatewayError(error, ErrorCode.Timeout)) throw error;
    throw new GatewayError(
      ErrorCode.Timeout,
      `${error.message}: check the address on the nameplate, wiring (A/B), baud rate (usually 2400) and parity (even)`,
      error.context,
    );
  } finally {
    await scheduler.stop();
  }
}
