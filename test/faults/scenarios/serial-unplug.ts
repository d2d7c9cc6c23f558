/**
 * Fault: the USB-RS485 adapter unplugged and plugged back (issue 10, defect 4). The real service polls
 * a simulated meter on a socat pty pair (the adapter) and another over TCP. Unplugging kills socat, so
 * the device link disappears; plugging back makes a new pair under the same link names, served by a
 * meter that kept its register. Checked per cycle: the serial bus shows down with its reason and its
 * meter offline in /healthz and /status, the TCP meter keeps billing, the bus reopens by itself after
 * the replug and readings resume; SIGTERM finishes within 5 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPtyPair, type PtyPair } from "../../helpers/index.ts";
import { requireProfile } from "../../../protocols/profiles/load.ts";
import { loadProfiles } from "../../../protocols/profiles/io/files.ts";
import { startSimulator, type RunningSimulator } from "../../../simulator/start.ts";
import { faultResult, type FaultResult, type FaultScenario } from "../types.ts";
import { startService, type ServiceUnderTest } from "../../helpers/service.ts";
import {
  BILLED_ACCOUNT_LINES,
  busShownDown,
  busShownUp,
  Checks,
  goodTcpMeter,
  keepsBilling,
  maxFigure,
  statusMeter,
  stopsInTime,
} from "../../helpers/faults/bus-faults.ts";

const profiles = loadProfiles();

/** The adapter: a pty pair and the meter behind it. */
interface Adapter {
  pty: PtyPair;
  sim: RunningSimulator;
}

async function plugIn(dir: string, importEnergyWh: number): Promise<Adapter> {
  const pty = await createPtyPair({ dir });
  const sim = await startSimulator({
    endpoint: { kind: "serial", path: pty.a, baudRate: 9600 },
    meters: [{ unit: 1, profile: requireProfile(profiles, "generic-prepaid"), powerW: 5000, importEnergyWh }],
  });
  return { pty, sim };
}

/** Unplugs: socat ends, the device link goes; the meter keeps its register for the replug. */
async function unplug(adapter: Adapter): Promise<number> {
  const energy = Math.round(adapter.sim.bus.meters.get(1)!.quantity("importEnergyWh"));
  await adapter.pty.close();
  await adapter.sim.stop().catch(() => {});
  return energy;
}

function config(devicePath: string, tcpPort: number, parts: { dataDir: string; httpPort: number }): string {
  return [
    `gateway: { id: gw-unplug, dataDir: ${parts.dataDir}, httpPort: ${parts.httpPort}, logLevel: warn }`,
    "buses:",
    `  - { id: rs485, transport: rtu, path: ${devicePath}, baudRate: 9600, timeoutMs: 300 }`,
    `  - { id: plant, transport: tcp, host: 127.0.0.1, port: ${tcpPort}, timeoutMs: 300 }`,
    "meters:",
    "  - { id: flat-1, bus: rs485, unit: 1, profile: generic-prepaid, pollIntervalMs: 1000 }",
    "  - { id: plant-1, bus: plant, unit: 1, profile: sdm630, account: acc-1, pollIntervalMs: 1000 }",
    ...BILLED_ACCOUNT_LINES,
    "",
  ].join("\n");
}

async function cycle(
  checks: Checks,
  service: ServiceUnderTest,
  adapter: Adapter,
  dir: string,
  figures: Record<string, number | string>,
) {
  const energy = await unplug(adapter);
  const detectMs = await checks.within("bus rs485 down and flat-1 offline after unplug", 15_000, () =>
    busShownDown(service, "rs485", "flat-1"),
  );
  maxFigure(figures, "detect ms (max)", detectMs);
  await keepsBilling(checks, service, "plant-1", 10_000);
  const stored = statusMeter(await service.status(), "flat-1")?.importEnergyWh ?? 0;
  const replugged = await plugIn(dir, energy);
  const recoverMs = await checks.within(
    "bus rs485 up, flat-1 online and reading again after replug",
    20_000,
    async () => {
      const reading = statusMeter(await service.status(), "flat-1")?.importEnergyWh ?? 0;
      return (await busShownUp(service, "rs485", "flat-1")) && reading > stored;
    },
  );
  maxFigure(figures, "recover ms (max)", recoverMs);
  return replugged;
}

export const scenario: FaultScenario = async ({ size }): Promise<FaultResult> => {
  const cycles = size === "quick" ? 1 : 5;
  const checks = new Checks();
  const figures: Record<string, number | string> = {};
  const dir = mkdtempSync(join(tmpdir(), "serial-unplug-"));
  let adapter: Adapter | undefined;
  let plant: RunningSimulator | undefined;
  let service: ServiceUnderTest | undefined;
  try {
    adapter = await plugIn(dir, 2_000_000);
    plant = await goodTcpMeter();
    const tcpPort = plant.port!;
    service = await startService({ config: (parts) => config(adapter!.pty.b, tcpPort, parts) });
    const s = service;
    await checks.within("flat-1 online before the unplug", 15_000, () => busShownUp(s, "rs485", "flat-1"));
    for (let i = 0; i < cycles && checks.failures.length === 0; i++)
      adapter = await cycle(checks, s, adapter, dir, figures);
    await stopsInTime(checks, s, figures, "stop ms");
  } catch (error) {
    checks.expect(false, error instanceof Error ? error.message : String(error));
  } finally {
    await service?.kill();
    await service?.dir.remove();
    await adapter?.sim.stop().catch(() => {});
    await adapter?.pty.close();
    await plant?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return faultResult({
    fault: "USB-RS485 adapter unplugged and replugged",
    runs: cycles,
    checked:
      "after unplug: bus down with reason and meter offline in /healthz and /status, TCP bus keeps billing; after replug under the same name: bus up, meter online, readings resume without a restart; SIGTERM < 5 s",
    figures,
    failures: checks.failures,
  });
};
