/**
 * Starts a validated scenario: one simulated clock, the buses with their meters and initial faults, the
 * timeline, a server per endpoint and, if asked, the control interface. The CLI's flags become a
 * scenario too, so both paths are this one.
 */
import { addTerminal, terminalProfile } from "../terminals/terminals.ts";
import type { Clock } from "../../core/clock.ts";
import { AcceleratedClock, SystemClock } from "../../core/clock.ts";
import { ControlServer } from "../control/http-server.ts";
import { Simulation, type MeterRef } from "../core/simulation.ts";
import { serveEndpoint, type ServedEndpoint } from "../servers/serve-endpoint.ts";
import { describeEndpoint } from "./endpoint-schema.ts";
import { isPersistentKind } from "../faults/fault-spec.ts";
import type { LoadedScenario } from "./load.ts";
import { resolvePath } from "./load.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import type { Scenario, TimelineEntrySpec } from "./schema.ts";
import type { RunningBus } from "./running-bus.ts";
import { dltProfiles, groupAddress } from "./dlt645-schema.ts";

export type { RunningBus } from "./running-bus.ts";

export interface StartScenarioOptions {
  /** Real (or manual) clock under the simulated one; default the system clock. */
  baseClock?: Clock;
  /** Overrides `clock.speed` (the CLI's --speed). */
  speed?: number;
  /** Overrides `clock.seed`. */
  seed?: number;
  /** Overrides `control.port`; `null` turns the control interface off. */
  controlPort?: number | null;
}

export interface RunningScenario {
  readonly simulation: Simulation;
  readonly buses: readonly RunningBus[];
  /** `http://127.0.0.1:PORT` when the control interface runs. */
  readonly controlUrl: string | undefined;
  stop(): Promise<void>;
}

export async function startScenario(
  loaded: LoadedScenario,
  options: StartScenarioOptions = {},
): Promise<RunningScenario> {
  const { scenario, baseDir } = loaded;
  const baseClock = options.baseClock ?? new SystemClock();
  const startMs = scenario.clock.start === undefined ? baseClock.now() : Date.parse(scenario.clock.start);
  const clock = new AcceleratedClock(options.speed ?? scenario.clock.speed, startMs, baseClock);
  const simulation = new Simulation({
    clock,
    seed: options.seed ?? scenario.clock.seed,
    utcOffsetMinutes: scenario.clock.utcOffsetMinutes,
  });
  populate(simulation, loaded, startMs);

  const served: Array<{ spec: Scenario["buses"][number]; endpoint: ServedEndpoint }> = [];
  let control: ControlServer | undefined;
  const stopAll = async () => {
    simulation.stop();
    await control?.stop();
    for (const { endpoint } of served.splice(0).reverse()) await endpoint.stop();
  };
  try {
    for (const spec of scenario.buses) {
      const dltSlave = simulation.dltSlaves.get(spec.name);
      const endpoint = await serveEndpoint(simulation.buses.get(spec.name)!, spec.endpoint, {
        clock: baseClock,
        resolvePath: (path) => resolvePath(baseDir, path),
        ...(dltSlave === undefined ? {} : { dltSlave }),
      });
      served.push({ spec, endpoint });
    }
    const controlPort = options.controlPort === undefined ? scenario.control?.port : options.controlPort;
    if (controlPort !== undefined && controlPort !== null) {
      control = new ControlServer(simulation, () => buses);
      await control.start(controlPort);
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const buses: RunningBus[] = served.map(({ spec, endpoint }) => ({
    name: spec.name,
    bus: simulation.buses.get(spec.name)!,
    endpoint: spec.endpoint,
    address: endpoint.address,
    ...(endpoint.port === undefined ? {} : { port: endpoint.port }),
    description: describeEndpoint(spec.endpoint, endpoint.address, spec.protocol),
  }));
  simulation.start();
  return { simulation, buses, controlUrl: control?.url, stop: stopAll };
}

/** Adds the scenario's buses, meters (with their starting faults) and timeline to the simulation. */
function populate(simulation: Simulation, { scenario, profiles }: LoadedScenario, startMs: number): void {
  for (const bus of scenario.buses) {
    simulation.addBus(bus.name, bus.protocol);
    for (const group of bus.meters) {
      group.units.forEach((unit, i) => {
        const common = {
          unit,
          load: group.load,
          importEnergyWh: group.energyWh,
          exportEnergyWh: group.exportEnergyWh,
          ...(group.serialNumber === undefined ? {} : { serialNumber: group.serialNumber + i }),
          relayClosed: group.relay === "closed",
        };
        const meter =
          bus.protocol === "dlt645"
            ? simulation.addDltMeter(bus.name, { ...common, dlt645: dltSettings(group, unit, i) })
            : simulation.addMeter(bus.name, { ...common, profile: requireProfile(profiles, group.profile) });
        const ref = { bus: simulation.buses.get(bus.name)!, meter };
        for (const fault of group.faults) simulation.injectFault(ref, fault, "scenario", startMs);
      });
    }
  }
  for (const bus of scenario.buses)
    for (const t of bus.terminals) addTerminal(simulation, bus.name, t.unit, terminalProfile(t.profile));
  scenario.timeline.forEach((entry, i) => {
    simulation.timeline.add({
      atMs: startMs + entry.at,
      label: `timeline[${i}]`,
      run: (atMs) => runTimelineEntry(simulation, scenario, entry, atMs),
    });
  });
}

/** Applies one timeline entry at its own simulated time. */
function runTimelineEntry(
  simulation: Simulation,
  scenario: Scenario,
  entry: TimelineEntrySpec,
  atMs: number,
): void {
  if (entry.speed !== undefined) {
    simulation.setSpeed(entry.speed, "timeline");
    return;
  }
  const busName = entry.bus ?? scenario.buses[0]!.name;
  const bus = simulation.buses.get(busName)!;
  const units = entry.units === "all" || entry.units === undefined ? [...bus.meters.keys()] : entry.units;
  for (const unit of units) {
    const ref: MeterRef = { bus, meter: bus.meters.get(unit)! };
    if (entry.fault !== undefined) simulation.injectFault(ref, entry.fault, "timeline", atMs);
    else if (entry.clear !== undefined) {
      simulation.clearFaults(
        ref,
        entry.clear !== "all" && isPersistentKind(entry.clear) ? entry.clear : undefined,
        "timeline",
        atMs,
      );
    } else if (entry.load !== undefined) simulation.setLoad(ref, entry.load, "timeline", atMs);
    else if (entry.relay !== undefined) simulation.setRelay(ref, entry.relay === "closed", "timeline", atMs);
  }
}

/** A DL/T meter's settings from its group: the model from the profile name, the i-th address. */
function dltSettings(group: Scenario["buses"][number]["meters"][number], unit: number, i: number) {
  const { address: _first, ...rest } = group.dlt645 ?? {};
  return {
    ...rest,
    address: groupAddress(group.dlt645, unit, i),
    model: dltProfiles[group.profile as keyof typeof dltProfiles],
  };
}
