/**
 * Shared by the bus fault scenarios (hostile TCP peers, serial unplug): a check list that records
 * failures instead of throwing (a scenario never throws for a failed check), timed waits for a
 * positive signal, readers for what /status says about a bus and a meter, the good meter billed
 * beside the faulty bus, and the bounded SIGTERM both end with.
 */
import { requireProfile } from "../../../protocols/profiles/load.ts";
import { loadProfiles } from "../../../protocols/profiles/io/files.ts";
import { startSimulator, type RunningSimulator } from "../../../simulator/start.ts";
import { waitFor } from "../index.ts";
import type { ServiceUnderTest } from "../service.ts";

const profiles = loadProfiles();

/** Longest a SIGTERM may take to stop the service, ms. */
export const STOP_LIMIT_MS = 5000;

/** Config lines for account acc-1 (1000.00 yuan, flat 1.0000 yuan/kWh) that the good meter bills to. */
export const BILLED_ACCOUNT_LINES = [
  "accounts:",
  '  - { id: acc-1, tariff: flat, balance: "1000.00" }',
  "tariffs:",
  '  - { id: flat, kind: flat, price: "1.0000" }',
] as const;

/** A good SDM630 at unit 1 on its own Modbus TCP port (0: any free one), drawing 30 kW. */
export function goodTcpMeter(port = 0): Promise<RunningSimulator> {
  return startSimulator({
    endpoint: { kind: "tcp", host: "127.0.0.1", port },
    meters: [
      { unit: 1, profile: requireProfile(profiles, "sdm630"), powerW: 30_000, importEnergyWh: 1_000_000 },
    ],
  });
}

/** Keeps the largest `value` seen under `key` (undefined: nothing measured). */
export function maxFigure(
  figures: Record<string, number | string>,
  key: string,
  value: number | undefined,
): void {
  if (value !== undefined) figures[key] = Math.max(Number(figures[key] ?? 0), value);
}

/** SIGTERM: exit 0 within {@link STOP_LIMIT_MS}; the stop time goes to `figures[key]` (largest kept). */
export async function stopsInTime(
  checks: Checks,
  service: ServiceUnderTest,
  figures: Record<string, number | string>,
  key: string,
): Promise<void> {
  const stopped = await service.stop(STOP_LIMIT_MS + 5000);
  maxFigure(figures, key, stopped.stopMs);
  checks.expect(stopped.code === 0, `SIGTERM: exit ${stopped.code} (want 0)`);
  checks.expect(stopped.stopMs < STOP_LIMIT_MS, `SIGTERM took ${stopped.stopMs} ms (limit ${STOP_LIMIT_MS})`);
}

/** Failed checks, one plain line each. */
export class Checks {
  readonly failures: string[] = [];

  /** Records `what` as failed unless `ok`. */
  expect(ok: boolean, what: string): boolean {
    if (!ok) this.failures.push(what);
    return ok;
  }

  /**
   * Waits until `predicate` holds; resolves with the ms it took, or undefined (recorded as a failure
   * naming `what`) after `timeoutMs`.
   */
  async within(
    what: string,
    timeoutMs: number,
    predicate: () => Promise<boolean>,
  ): Promise<number | undefined> {
    const started = performance.now();
    try {
      await waitFor(predicate, { timeoutMs, intervalMs: 100, description: what });
      return Math.round(performance.now() - started);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const why =
        cause instanceof Error ? cause.message : cause === undefined ? undefined : JSON.stringify(cause);
      this.failures.push(`${what}: not within ${timeoutMs} ms${why === undefined ? "" : ` (${why})`}`);
      return undefined;
    }
  }
}

/** A meter as /status shows it. */
export interface StatusMeter {
  id: string;
  state: string;
  importEnergyWh: number | null;
  balance: string | null;
  lastError: string | null;
}

/** What /status says about a bus: its state and its link's failures by code. */
export interface StatusBus {
  state: string;
  lastError: string | null;
  errors: Record<string, number>;
}

export function statusMeter(status: Record<string, unknown>, id: string): StatusMeter | undefined {
  return (status["meters"] as StatusMeter[] | undefined)?.find((m) => m.id === id);
}

export function statusBus(status: Record<string, unknown>, id: string): StatusBus {
  const buses = (status["buses"] ?? {}) as Record<string, string>;
  const links = (status["links"] ?? {}) as Record<string, StatusBus | undefined>;
  return {
    state: buses[id] ?? "missing",
    lastError: links[id]?.lastError ?? null,
    errors: links[id]?.errors ?? {},
  };
}

/** /healthz and /status agree that `busId` is down and `meterId` offline. */
export async function busShownDown(
  service: ServiceUnderTest,
  busId: string,
  meterId: string,
): Promise<boolean> {
  const health = await service.health();
  const status = await service.status();
  return (
    health.status === "degraded" &&
    health.reasons.some((r) => r.startsWith(`bus ${busId} is down`)) &&
    health.reasons.some((r) => r.startsWith("meters offline:") && r.includes(meterId)) &&
    statusBus(status, busId).state === "down" &&
    statusMeter(status, meterId)?.state === "offline"
  );
}

/** /status shows `meterId` online and `busId` up. */
export async function busShownUp(
  service: ServiceUnderTest,
  busId: string,
  meterId: string,
): Promise<boolean> {
  const status = await service.status();
  return statusBus(status, busId).state === "up" && statusMeter(status, meterId)?.state === "online";
}

/**
 * Waits until the meter's stored energy and its account's balance have both moved on from what
 * /status shows now: readings keep being stored and charged.
 */
export async function keepsBilling(
  checks: Checks,
  service: ServiceUnderTest,
  meterId: string,
  timeoutMs: number,
): Promise<number | undefined> {
  const before = statusMeter(await service.status(), meterId);
  return checks.within(`${meterId} keeps billing (energy and balance move on)`, timeoutMs, async () => {
    const now = statusMeter(await service.status(), meterId);
    return (
      before !== undefined &&
      now !== undefined &&
      (now.importEnergyWh ?? 0) > (before.importEnergyWh ?? 0) &&
      Number(now.balance) < Number(before.balance)
    );
  });
}
