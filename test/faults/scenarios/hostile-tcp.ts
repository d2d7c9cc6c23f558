/**
 * Fault: hostile Modbus TCP peers (issue 10, defect 3). The real service polls a good simulated meter
 * on one bus and three hostile peers on three others: one accepts and closes at once, one accepts and
 * never answers (ignoring our FIN), one resets the connection on the first request. Checked: each
 * hostile bus shows down with its reason and its meter offline in /healthz and /status, each failure
 * counted under its own code; the good bus keeps billing; when the closing peer is replaced by a real
 * meter on the same port, that bus comes back by itself; SIGTERM finishes within 5 s. The technician's
 * `read` against each peer exits 1 with one line, in bounded time.
 */
import { gatewayCli, runCli } from "../../helpers/run-cli.ts";
import { startHostilePeer, type HostileBehaviour, type HostilePeer } from "../../helpers/hostile-tcp.ts";
import type { RunningSimulator } from "../../../simulator/start.ts";
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
  statusBus,
  stopsInTime,
} from "../../helpers/faults/bus-faults.ts";
/**
 * Hostile bus id -> what its peer does, and the failure codes the bus may count. A request that races
 * the closing peer's FIN meets its RST: a closed connection may be counted as reset, both are true.
 */
const hostile: Record<string, { behaviour: HostileBehaviour; codes: string[] }> = {
  closer: { behaviour: "accept-close", codes: ["CONNECTION_CLOSED", "CONNECTION_RESET"] },
  silent: { behaviour: "silent", codes: ["CONNECTION_SILENT"] },
  resetter: { behaviour: "reset", codes: ["CONNECTION_RESET"] },
};
const timeoutMs = 300;

function config(ports: Record<string, number>, parts: { dataDir: string; httpPort: number }): string {
  const bus = (id: string) =>
    `  - { id: ${id}, transport: tcp, host: 127.0.0.1, port: ${ports[id]}, timeoutMs: ${timeoutMs}, backoff: { initialMs: 1000, maxMs: 4000 } }`;
  const meter = (id: string, profile: string, extra = "") =>
    `  - { id: ${id}-1, bus: ${id}, unit: 1, profile: ${profile}, pollIntervalMs: 1000${extra} }`;
  return [
    `gateway: { id: gw-hostile, dataDir: ${parts.dataDir}, httpPort: ${parts.httpPort}, logLevel: warn }`,
    "buses:",
    bus("good"),
    ...Object.keys(hostile).map(bus),
    "meters:",
    meter("good", "sdm630", ", account: acc-1"),
    ...Object.keys(hostile).map((id) => meter(id, "sdm120")),
    ...BILLED_ACCOUNT_LINES,
    "",
  ].join("\n");
}

/** `read` against each peer: exit code and wall time, as a technician would see them. */
async function cliRuns(
  checks: Checks,
  peers: Map<string, HostilePeer>,
  figures: Record<string, number | string>,
) {
  await Promise.all(
    [...peers].map(async ([id, peer]) => {
      const started = performance.now();
      const result = await runCli(
        gatewayCli,
        ["read", "--tcp", peer.address, "--unit", "1", "--profile", "sdm120", "--timeout", String(timeoutMs)],
        { timeoutMs: 30_000 },
      ).catch((error: unknown) => ({ code: null, stdout: "", stderr: String(error) }));
      const ms = Math.round(performance.now() - started);
      figures[`read vs ${peer.behaviour}: exit, ms`] = `${result.code}, ${ms}`;
      const lines = result.stderr.trim().split("\n");
      checks.expect(
        result.code === 1,
        `read vs ${id}: exit ${result.code} (want 1): ${result.stderr.trim()}`,
      );
      checks.expect(
        lines.length === 1 && lines[0]!.startsWith("error: "),
        `read vs ${id}: not one plain line`,
      );
    }),
  );
}

async function oneRun(checks: Checks, figures: Record<string, number | string>, run: number): Promise<void> {
  const peers = new Map<string, HostilePeer>();
  let sim: RunningSimulator | undefined;
  let replacement: RunningSimulator | undefined;
  let service: ServiceUnderTest | undefined;
  try {
    sim = await goodTcpMeter();
    for (const [id, h] of Object.entries(hostile)) peers.set(id, await startHostilePeer(h.behaviour));
    const ports: Record<string, number> = { good: sim.port! };
    for (const [id, peer] of peers) ports[id] = peer.port;
    const cli = run === 0 ? cliRuns(checks, peers, figures) : Promise.resolve();
    service = await startService({ config: (parts) => config(ports, parts) });
    const s = service;
    for (const id of Object.keys(hostile)) {
      const ms = await checks.within(
        `bus ${id} down and ${id}-1 offline in /healthz and /status`,
        15_000,
        () => busShownDown(s, id, `${id}-1`),
      );
      maxFigure(figures, `detect ${id} ms (max)`, ms);
    }
    const status = await s.status();
    for (const [id, h] of Object.entries(hostile)) {
      const bus = statusBus(status, id);
      const counted = h.codes.some((code) => (bus.errors[code] ?? 0) > 0);
      checks.expect(counted, `bus ${id} counts ${h.codes.join(" or ")}: ${JSON.stringify(bus.errors)}`);
    }
    await keepsBilling(checks, s, "good-1", 10_000);
    // The closing peer is replaced by a real meter on the same port: the bus must come back by itself.
    const closer = peers.get("closer")!;
    await closer.close();
    peers.delete("closer");
    replacement = await goodTcpMeter(closer.port);
    const recoverMs = await checks.within(
      "bus closer back up and closer-1 online after the peer is fixed",
      15_000,
      () => busShownUp(s, "closer", "closer-1"),
    );
    maxFigure(figures, "recover ms (max)", recoverMs);
    await cli;
    await stopsInTime(checks, s, figures, "stop ms (max)");
  } catch (error) {
    checks.expect(false, `run ${run}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await service?.kill();
    await service?.dir.remove();
    for (const peer of peers.values()) await peer.close();
    await replacement?.stop();
    await sim?.stop();
  }
}

export const scenario: FaultScenario = async ({ size }): Promise<FaultResult> => {
  const runs = size === "quick" ? 1 : 5;
  const checks = new Checks();
  const figures: Record<string, number | string> = {};
  for (let run = 0; run < runs; run++) await oneRun(checks, figures, run);
  return faultResult({
    fault: "hostile Modbus TCP peers",
    runs,
    checked:
      "accept-and-close, never-answer (FIN ignored) and reset peers: bus down with reason and meter offline in /healthz and /status, failures counted by code, good bus keeps billing, bus recovers when the peer is fixed, SIGTERM < 5 s, read exits 1 with one line",
    figures,
    failures: checks.failures,
  });
};
