/**
 * Terminals in a simulation: added to a Modbus bus beside its meters, found by unit, and shown to the
 * control interface. Kept beside the Simulation rather than in it: terminals take no part in the
 * simulated energy, clock or fault timeline of the meters.
 */
import { ErrorCode } from "../../core/errors.ts";
import { loadTerminalProfiles } from "../../protocols/terminals/io/files.ts";
import type { TerminalProfile } from "../../protocols/terminals/profile.ts";
import type { SimBus } from "../core/sim-bus.ts";
import { SimError } from "../core/sim-error.ts";
import type { Simulation } from "../core/simulation.ts";
import { SimTerminal } from "./sim-terminal.ts";

/** A terminal and the bus it is on. */
export interface TerminalRef {
  bus: SimBus;
  terminal: SimTerminal;
}

let shipped: ReadonlyMap<string, TerminalProfile> | undefined;

/** A shipped terminal profile by id (default `generic-terminal`). */
export function terminalProfile(id = "generic-terminal"): TerminalProfile {
  shipped ??= loadTerminalProfiles();
  const profile = shipped.get(id);
  if (profile === undefined)
    throw new SimError(
      ErrorCode.ScenarioInvalid,
      `unknown terminal profile '${id}' (known: ${[...shipped.keys()].join(", ")})`,
    );
  return profile;
}

/** Adds a terminal at `unit` of a Modbus bus (made if missing); the unit must be free. */
export function addTerminal(
  simulation: Simulation,
  busName: string,
  unit: number,
  profile = terminalProfile(),
): SimTerminal {
  const bus = simulation.buses.get(busName) ?? simulation.addBus(busName);
  if (bus.protocol !== "modbus")
    throw new SimError(
      ErrorCode.ScenarioInvalid,
      `bus '${busName}' speaks DL/T 645: terminals are on Modbus`,
    );
  if (bus.meters.has(unit) || bus.terminals.has(unit))
    throw new SimError(ErrorCode.ScenarioInvalid, `unit ${unit} is already used on bus '${busName}'`);
  const terminal = new SimTerminal(unit, profile);
  bus.terminals.set(unit, terminal);
  return terminal;
}

/** Every terminal, bus by bus, in unit order. */
export function terminalsOf(simulation: Simulation): TerminalRef[] {
  return [...simulation.buses.values()].flatMap((bus) =>
    [...bus.terminals.values()].sort((a, b) => a.unit - b.unit).map((terminal) => ({ bus, terminal })),
  );
}

/** The terminal at `unit` (on `busName`, needed only when several buses have that unit). */
export function findTerminal(simulation: Simulation, unit: number, busName?: string): TerminalRef {
  const found = terminalsOf(simulation).filter(
    (ref) => ref.terminal.unit === unit && (busName === undefined || ref.bus.name === busName),
  );
  if (found.length === 0)
    throw new SimError(
      ErrorCode.NotFound,
      `no terminal at unit ${unit}${busName === undefined ? "" : ` on bus '${busName}'`}`,
    );
  if (found.length > 1)
    throw new SimError(
      ErrorCode.AmbiguousUnit,
      `unit ${unit} is on buses ${found.map((f) => f.bus.name).join(", ")}: name the bus`,
    );
  return found[0]!;
}

/** A terminal as a test wants to see it: what its display and answer blocks show, its queue, its fault. */
export function terminalView({ bus, terminal }: TerminalRef) {
  return {
    bus: bus.name,
    unit: terminal.unit,
    profile: terminal.profile.id,
    fault: terminal.fault,
    displayWrites: terminal.displayWrites,
    display: terminal.display(),
    answer: terminal.answer(),
    pending: terminal.pending,
    acknowledged: terminal.acknowledged.length,
  };
}
