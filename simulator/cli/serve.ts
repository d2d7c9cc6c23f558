/**
 * `meter-sim` serving: start the scenario (from flags or a file), say what is served where, run until
 * SIGINT/SIGTERM, then stop cleanly (servers closed, socat ended, pty links removed).
 */
import { loadScenarioFile } from "../scenario/load.ts";
import { startScenario, type RunningScenario } from "../scenario/start-scenario.ts";
import { formatUnitList } from "../../protocols/modbus/unit-list.ts";
import { UsageError } from "./fail.ts";
import { runOverrides, scenarioFromFlags, type ServeFlags } from "./serve-options.ts";

/** Flags that describe the meters of a one-bus run, and so make no sense beside --scenario. */
const oneBusFlags: Array<[keyof ServeFlags, string]> = [
  ["modbusTcp", "--modbus-tcp"],
  ["rtuOverTcp", "--rtu-over-tcp"],
  ["serial", "--serial"],
  ["pty", "--pty"],
  ["ptyLink", "--pty-link"],
  ["strictBaud", "--strict-baud"],
  ["profilesDir", "--profiles-dir"],
  ["serialNumber", "--serial-number"],
  ["start", "--start"],
  ["lineTiming", "--line-timing"],
  ["turnaroundMs", "--turnaround-ms"],
];

/** Starts serving; resolves once everything listens (the process then runs until a signal). */
export async function serve(flags: ServeFlags, out: (line: string) => void): Promise<RunningScenario> {
  let running: RunningScenario;
  if (flags.scenario !== undefined) {
    const clash = oneBusFlags
      .filter(([key]) => flags[key] !== undefined && flags[key] !== false)
      .map(([, f]) => f);
    if (clash.length > 0)
      throw new UsageError(`${clash.join(", ")} cannot be combined with --scenario (put it in the file)`);
    running = await startScenario(loadScenarioFile(flags.scenario), runOverrides(flags));
  } else {
    running = await startScenario(scenarioFromFlags(flags), runOverrides(flags));
  }
  for (const line of startupLines(running)) out(line);
  stopOnSignals(running, out);
  return running;
}

/** What is served where, one line per bus, then the control URL and the clock. */
export function startupLines(running: RunningScenario): string[] {
  const lines = running.buses.map((bus) => {
    const meters = [...bus.bus.meters.values()];
    const byProfile = new Map<string, number[]>();
    for (const meter of meters)
      byProfile.set(meter.profile.id, [...(byProfile.get(meter.profile.id) ?? []), meter.unit]);
    const groups = [...byProfile]
      .map(([profile, units]) => `${profile} units ${formatUnitList(units)}`)
      .join(", ");
    return `meter-sim: bus ${bus.name}: ${meters.length} meter(s) (${groups}), ${bus.description}`;
  });
  for (const bus of running.buses) {
    if (bus.endpoint.kind === "pty")
      lines.push(`meter-sim: gateway device for bus ${bus.name}: ${bus.address}`);
  }
  if (running.controlUrl !== undefined) lines.push(`meter-sim: control interface on ${running.controlUrl}`);
  const clock = running.simulation.clock;
  lines.push(
    `meter-sim: simulated time ${new Date(clock.now()).toISOString()}, speed ${clock.acceleration}x, seed ${running.simulation.seed}; Ctrl-C stops`,
  );
  return lines;
}

function stopOnSignals(running: RunningScenario, out: (line: string) => void): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal while stopping: the user wants out now.
      process.exit(1);
    }
    stopping = true;
    out(`meter-sim: ${signal}, stopping`);
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`meter-sim: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
