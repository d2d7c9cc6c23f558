/**
 * Turns `meter-sim` flags into a scenario, so a one-bus command line and a scenario file run the same
 * way. Flag mistakes are UsageErrors naming the flag.
 */
import { parseScenario, type LoadedScenario } from "../scenario/load.ts";
import type { ScenarioInput } from "../scenario/schema.ts";
import { parseUnitList } from "../../protocols/modbus/unit-list.ts";
import { hostPortFlag, numberFlag, UsageError } from "./fail.ts";

/** The flags of the serve command as commander hands them over (strings unless boolean). */
export interface ServeFlags {
  modbusTcp?: string;
  rtuOverTcp?: string;
  serial?: string;
  pty?: boolean;
  ptyLink?: string;
  strictBaud?: boolean;
  baud: string;
  parity: string;
  profile: string;
  profilesDir?: string;
  units: string;
  power: string;
  energy: string;
  serialNumber?: string;
  relay: string;
  speed?: string;
  seed?: string;
  start?: string;
  control?: string;
  scenario?: string;
  lineTiming?: boolean;
  turnaroundMs?: string;
}

const endpointFlags = ["modbusTcp", "rtuOverTcp", "serial", "pty"] as const;
const flagName = {
  modbusTcp: "--modbus-tcp",
  rtuOverTcp: "--rtu-over-tcp",
  serial: "--serial",
  pty: "--pty",
};

/** Overrides that apply to a scenario file too. */
export function runOverrides(flags: ServeFlags): { speed?: number; seed?: number; controlPort?: number } {
  return {
    ...(flags.speed === undefined ? {} : { speed: numberFlag("--speed", flags.speed, 0.001, 1_000_000) }),
    ...(flags.seed === undefined
      ? {}
      : { seed: numberFlag("--seed", flags.seed, -(2 ** 31), 2 ** 32 - 1, true) }),
    ...(flags.control === undefined
      ? {}
      : { controlPort: numberFlag("--control", flags.control, 0, 65_535, true) }),
  };
}

type Parity = "none" | "even" | "odd";
type EndpointInput = NonNullable<ScenarioInput["buses"]>[number]["endpoint"];
type LineTiming = { turnaroundMs: number } | undefined;

/** The one-bus scenario the flags describe (without `--scenario`). Checks run in flag-report order. */
export function scenarioFromFlags(flags: ServeFlags): LoadedScenario {
  checkOneEndpoint(flags);
  const units = parseUnitList(flags.units);
  if (!units.ok) throw new UsageError(`--units: ${units.error}`);
  const baud = numberFlag("--baud", flags.baud, 1200, 921_600, true);
  if (!["none", "even", "odd"].includes(flags.parity))
    throw new UsageError(`--parity must be none, even or odd, got '${flags.parity}'`);
  const parity = flags.parity as Parity;
  if (flags.relay !== "closed" && flags.relay !== "open")
    throw new UsageError(`--relay must be closed or open, got '${flags.relay}'`);
  const endpoint = endpointFromFlags(flags, baud, parity, lineTimingFromFlags(flags));
  if (flags.ptyLink !== undefined && flags.pty !== true) throw new UsageError("--pty-link goes with --pty");
  if (flags.strictBaud === true && flags.pty !== true) throw new UsageError("--strict-baud goes with --pty");
  if (flags.start !== undefined && Number.isNaN(Date.parse(flags.start))) {
    throw new UsageError(`--start wants an ISO 8601 time such as 2026-01-05T00:00:00Z, got '${flags.start}'`);
  }
  const scenario: ScenarioInput = {
    clock: flags.start === undefined ? {} : { start: new Date(flags.start).toISOString() },
    ...(flags.profilesDir === undefined ? {} : { profilesDir: flags.profilesDir }),
    buses: [
      {
        name: "main",
        endpoint,
        meters: [
          {
            units: flags.units,
            profile: flags.profile,
            load: numberFlag("--power", flags.power, 0, 1_000_000),
            energyWh: numberFlag("--energy", flags.energy, 0, 1e12),
            relay: flags.relay,
            ...(flags.serialNumber === undefined
              ? {}
              : { serialNumber: numberFlag("--serial-number", flags.serialNumber, 1, 0xffffffff, true) }),
          },
        ],
      },
    ],
  };
  return parseFlagScenario(scenario);
}

/** Exactly one endpoint flag. */
function checkOneEndpoint(flags: ServeFlags): void {
  const given = endpointFlags.filter((key) => flags[key] !== undefined && flags[key] !== false);
  if (given.length === 0) {
    throw new UsageError(
      "say where to serve: --modbus-tcp HOST:PORT, --rtu-over-tcp HOST:PORT, --serial DEVICE, --pty or --scenario FILE",
    );
  }
  if (given.length > 1)
    throw new UsageError(`give one endpoint, not ${given.map((k) => flagName[k]).join(" and ")}`);
}

/** `--line-timing` / `--turnaround-ms`, which only a serial line (real or tunnelled) has. */
function lineTimingFromFlags(flags: ServeFlags): LineTiming {
  const lineTiming =
    flags.lineTiming === true || flags.turnaroundMs !== undefined
      ? {
          turnaroundMs:
            flags.turnaroundMs === undefined
              ? 0
              : numberFlag("--turnaround-ms", flags.turnaroundMs, 0, 10_000),
        }
      : undefined;
  if (lineTiming !== undefined && flags.modbusTcp !== undefined) {
    throw new UsageError("--line-timing models a serial line: use it with --serial, --pty or --rtu-over-tcp");
  }
  return lineTiming;
}

/** The endpoint of the one endpoint flag given. */
function endpointFromFlags(
  flags: ServeFlags,
  baud: number,
  parity: Parity,
  lineTiming: LineTiming,
): EndpointInput {
  const timing = lineTiming ? { lineTiming } : {};
  if (flags.modbusTcp !== undefined) return { kind: "tcp", ...hostPortFlag("--modbus-tcp", flags.modbusTcp) };
  if (flags.rtuOverTcp !== undefined)
    return { kind: "rtu-over-tcp", ...hostPortFlag("--rtu-over-tcp", flags.rtuOverTcp), baud, ...timing };
  if (flags.serial !== undefined) return { kind: "serial", device: flags.serial, baud, parity, ...timing };
  return {
    kind: "pty",
    baud,
    parity,
    ...(flags.ptyLink === undefined ? {} : { link: flags.ptyLink }),
    ...(flags.strictBaud === true ? { strictBaud: true } : {}),
    ...timing,
  };
}

/** Validates the built scenario, naming the flag behind a failure where the schema cannot. */
function parseFlagScenario(scenario: ScenarioInput): LoadedScenario {
  try {
    return parseScenario(scenario, "command line", process.cwd());
  } catch (error) {
    // The references a schema cannot check are the profile and its directory: name their flags.
    const message = error instanceof Error ? error.message : String(error);
    const profile = /unknown profile '[^']*' \(known: [^)]*\)/.exec(message);
    throw new UsageError(
      profile === null
        ? message.replace(/^command line: /, "").replace(/^profilesDir:/, "--profiles-dir:")
        : `--profile: ${profile[0]}`,
    );
  }
}
