/**
 * A simulator (in-process, driven over its HTTP control interface) and the gateway's real bus layer
 * (modbus-serial transport, scheduler, poller from test/helpers/bus-harness.ts) on one endpoint:
 * Modbus TCP, RTU over TCP, or a real socat pty pair.
 */
import { expect } from "vitest";
import type { TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import type { ScenarioInput } from "../../simulator/scenario/schema.ts";
import { startBus } from "../helpers/bus-harness.ts";
import { createPtyPair, waitFor } from "../helpers/index.ts";
import { startInProcess } from "../helpers/simulator.ts";

export type RigKind = "tcp" | "rtu-over-tcp" | "pty";

/** Units on the rig: 1 is the meter under test, 2 a healthy neighbour, 9 a prepaid meter with a relay. */
export const rigMeters = [
  { id: "m1", unit: 1, profile: "sdm120" },
  { id: "m2", unit: 2, profile: "sdm120" },
  { id: "m9", unit: 9, profile: "generic-prepaid" },
];

export interface Rig {
  sim: Awaited<ReturnType<typeof startInProcess>>;
  bus: ReturnType<typeof startBus>;
  /** Resolves when `meterId` reaches `state` after the call that returned this waiter's mark. */
  stateAfter(mark: number, meterId: string, state: "online" | "offline", timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRig(kind: RigKind, options: { seed?: number } = {}): Promise<Rig> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    let endpoint: NonNullable<ScenarioInput["buses"]>[number]["endpoint"];
    let transport: TransportEndpoint | undefined;
    if (kind === "pty") {
      const pty = await createPtyPair();
      cleanups.push(() => pty.close());
      endpoint = { kind: "serial", device: pty.a, baud: 19200 };
      transport = { kind: "rtu", path: pty.b, baudRate: 19200, parity: "none", dataBits: 8, stopBits: 1 };
    } else {
      endpoint = { kind, host: "127.0.0.1", port: 0 };
    }
    const sim = await startInProcess({
      clock: { seed: options.seed ?? 5 },
      buses: [
        {
          name: "rig",
          endpoint,
          meters: [
            { units: "1-2", profile: "sdm120", energyWh: 1_000_000, load: 2000 },
            { units: 9, profile: "generic-prepaid", energyWh: 20_000, load: 800 },
          ],
        },
      ],
    });
    cleanups.push(() => sim.stop());
    transport ??= { kind: kind as "tcp" | "rtu-over-tcp", host: "127.0.0.1", port: sim.buses[0]!.port! };
    const bus = startBus(
      transport,
      rigMeters.map((m) => ({ ...m, pollIntervalMs: 100 })),
      {
        // Generous, so bytes sent at once still arrive in time on a loaded machine.
        timeoutMs: 400,
        interFrameGapMs: 2,
        backoffInitialMs: 1000,
        backoffMaxMs: 1000,
        offlineAfterFailures: 2,
      },
    );
    cleanups.push(() => bus.stop());
    bus.poller.start();
    await waitFor(() => rigMeters.every((m) => bus.scheduler.countersFor(m.id).state === "online"), {
      timeoutMs: 10_000,
      description: "every rig meter online",
    });
    return {
      sim,
      bus,
      stop,
      async stateAfter(mark, meterId, state, timeoutMs = 10_000) {
        await waitFor(() => bus.states.slice(mark).some(([id, s]) => id === meterId && s === state), {
          timeoutMs,
          description: `${meterId} ${state}`,
        });
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Injects `fault` on unit 1 over HTTP and checks the gateway's reaction: only `errorKey` counted,
 * `perPoll` attempts per failed poll until the meter goes offline after 2 failed polls (backed off),
 * the neighbour never offline; then clears it over HTTP and sees unit 1 online again.
 */
export async function expectFaultCounted(
  rig: Rig,
  fault: Record<string, unknown>,
  errorKey: string,
  perPoll: number,
): Promise<void> {
  const { sim, bus } = rig;
  const mark = bus.states.length;
  const injected = await sim.api.post<{ fault: { kind: string } }>("/meters/1/faults", fault);
  expect(injected.status).toBe(201);
  expect(injected.body.fault.kind).toBe(fault["kind"]);
  await rig.stateAfter(mark, "m1", "offline");
  // A probe may be in hand: its error is counted per request, its failed poll when it ends.
  await bus.scheduler.settled();
  const counters = bus.scheduler.countersFor("m1");
  // Two failed polls of `perPoll` attempts took it offline; a probe since then (backed off: a single
  // attempt) adds one failed poll and one error.
  const probes = counters.consecutiveFailedPolls - 2;
  expect(probes).toBeGreaterThanOrEqual(0);
  // Exceptions 01-03 on the optional quantity's own request are tolerated (the reading stands, flagged
  // quantity-missing): a fault injected between a poll's main and optional requests adds that one error
  // without a failed poll.
  const errors = counters.errors[errorKey] ?? 0;
  const tolerated = /^MODBUS_EXCEPTION_0[123]$/.test(errorKey) ? 1 : 0;
  expect(Object.keys(counters.errors)).toEqual([errorKey]);
  expect(errors).toBeGreaterThanOrEqual(2 * perPoll + probes);
  expect(errors).toBeLessThanOrEqual(2 * perPoll + probes + tolerated);
  expect(counters.lastError?.code).toBe(errorKey);
  expect(counters.backoffUntilMono).toBeGreaterThan(0);
  expect(bus.states.slice(mark).filter(([id]) => id !== "m1")).toEqual([]);
  const back = bus.states.length;
  const cleared = await sim.api.delete<{ cleared: string[] }>(`/meters/1/faults/${String(fault["kind"])}`);
  expect(cleared).toEqual({ status: 200, body: { cleared: [fault["kind"]] } });
  await rig.stateAfter(back, "m1", "online");
  const events = await sim.api.ok<{ events: Array<{ kind: string; unit: number }> }>("GET", "/events?unit=1");
  expect(events.events.map((e) => e.kind)).toEqual(["fault-injected", "fault-cleared"]);
}
