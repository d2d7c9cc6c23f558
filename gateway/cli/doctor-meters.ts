/**
 * The meter checks of `meter-gateway doctor`: every configured meter is read once with its own profile
 * through the very parts `run` polls with (buildBus: the bus's scheduler, timeout, retries and the
 * profile's read plan), so doctor cannot call a meter fine that `run` would take offline.
 */
import { SystemClock } from "../../core/clock.ts";
import { ErrorCode, isGatewayError, type GatewayError } from "../../core/errors.ts";
import type { Config, MeterConfig } from "../config/index.ts";
import type { Reading } from "../metering/reading.ts";
import { buildBus } from "../service/buses.ts";
import { describeBusEndpoint } from "../service/build-bus.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import type { TransportFactory } from "../../protocols/modbus/transport/transport.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import type { CheckResult } from "./doctor-checks.ts";

/** One plain-words hint per kind of failure a meter read can end in. */
function fixFor(error: GatewayError, profile: string): string {
  switch (error.code) {
    case ErrorCode.Timeout:
      return "no answer: check the unit id (Modbus) or address (DL/T 645), power and wiring (A/B swapped?), termination, baud rate and parity";
    case ErrorCode.MeterErrorReply:
      return `the meter is there but refuses data of ${profile}: fix meters[].profile (meter-gateway scan --protocol dlt645 suggests one) or the profile's DIs`;
    case ErrorCode.ModbusException:
      return `the meter is there but is not a ${profile} as configured: fix meters[].profile (meter-gateway scan suggests one) or the profile's register map`;
    case ErrorCode.CrcError:
    case ErrorCode.BadReply:
    case ErrorCode.ShortReply:
      return "replies arrive damaged: check cable, shielding, termination, and that only one master polls the bus";
    case ErrorCode.WrongUnit:
      return "another unit id answered: two meters share an address, or the unit id is wrong";
    default:
      return "the bus itself failed: check the serial device or that the TCP converter is reachable";
  }
}

/** What doctor says about a failed read: the refusal is named apart from silence. */
function describeFailure(error: GatewayError): string {
  const refused = error.code === ErrorCode.ModbusException || error.code === ErrorCode.MeterErrorReply;
  const prefix = refused ? "the meter answers but refuses a read of its profile: " : "";
  return `${prefix}${error.code}: ${error.message}`;
}

/** What doctor says about a good read: the figures billing depends on. */
function describeReading(reading: Reading): { detail: string; billable: boolean } {
  const v = reading.values;
  const parts: string[] = [];
  const energy = v.importEnergyWh;
  if (energy !== undefined) parts.push(`import ${(energy / 1000).toFixed(2)} kWh`);
  if (v.voltageV !== undefined) parts.push(`${v.voltageV.toFixed(1)} V`);
  if (v.powerW !== undefined) parts.push(`${Math.round(v.powerW)} W`);
  if (reading.relayClosed !== undefined) parts.push(`relay ${reading.relayClosed ? "closed" : "open"}`);
  if (reading.quality.includes("value-dropped"))
    parts.push("some registers held no number and were left out");
  // An optional quantity the firmware lacks does not stop billing: said, not failed (issue 10, defect 8).
  for (const m of reading.missing ?? [])
    parts.push(`${m.quantity} not supported by this meter (${m.message})`);
  return { detail: `read as run reads it: ${parts.join(", ")}`, billable: energy !== undefined };
}

/**
 * Reads every meter of every bus once (buses in turn; meters of a bus one after another, as on the
 * wire). Each meter gets one result: what was read, or what failed and how to fix it.
 */
export async function checkMeters(
  config: Config,
  transportFactory: TransportFactory = modbusTransportFactory,
): Promise<CheckResult[]> {
  const profiles = loadProfiles(config.gateway.profilesDir);
  const clock = new SystemClock();
  const results: CheckResult[] = [];
  for (const bus of config.buses) {
    const meters = config.meters.filter((m) => m.bus === bus.id);
    if (meters.length === 0) continue;
    const where = `bus ${bus.id} ${describeBusEndpoint(bus)}`;
    const { scheduler, poller } = buildBus(bus, meters, { clock, profiles, transportFactory });
    try {
      for (const meter of meters) results.push(await checkMeter(meter, where, (id) => poller.readNow(id)));
    } finally {
      await scheduler.stop();
    }
  }
  return results;
}

async function checkMeter(
  meter: MeterConfig,
  where: string,
  read: (meterId: string) => Promise<Reading>,
): Promise<CheckResult> {
  const station = meter.protocol === "modbus" ? `unit ${meter.unit}` : `address ${meter.address}`;
  const name = `meter ${meter.id} (${where}, ${station}, profile ${meter.profile})`;
  try {
    const { detail, billable } = describeReading(await read(meter.id));
    if (billable || meter.account === undefined) return { name, ok: true, detail };
    return {
      name,
      ok: false,
      detail: `${detail}; no import energy, so account ${meter.account} cannot be billed`,
      fix: `the profile ${meter.profile} must map importEnergyWh to a register that reads`,
    };
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    return { name, ok: false, detail: describeFailure(error), fix: fixFor(error, meter.profile) };
  }
}
