/**
 * What `status`, `/status` and `/healthz` report: one snapshot of meters, balances, relays, backlog
 * and the reasons the gateway is degraded, in plain words.
 */
import { formatMoneyE7 } from "../prepaid/index.ts";
import type { DiskSnapshot } from "./disk-guard.ts";
import { diskProblems } from "./disk-health.ts";
import type { Gateway } from "./gateway.ts";
import { freeDiskBytes, ntpSynchronised } from "./host.ts";
import {
  billingProblems,
  meterBillingStatus,
  storageStatus,
  type MeterBillingStatus,
  type StorageStatus,
} from "./billing-status.ts";

export interface MeterStatus {
  id: string;
  bus: string;
  unit: number;
  profile: string;
  state: string;
  lastSeenMs: number | null;
  importEnergyWh: number | null;
  powerW: number | null;
  relay: "closed" | "open" | null;
  account: string | null;
  balance: string | null;
  lastError: string | null;
  /** What keeps the meter from being billed normally (billing-status.ts). */
  billing: MeterBillingStatus;
}

export interface GatewayStatus {
  gatewayId: string;
  uptimeMs: number;
  meters: MeterStatus[];
  backlog: Record<string, number>;
  buses: Record<string, "up" | "down" | "unknown">;
  /** Batches of readings failing to store. */
  storage: StorageStatus;
  /** Room in the data directory: full or not, free bytes, reserve held, readings not stored. */
  disk: DiskSnapshot;
  /** Per bus: why it is down (or last was), since when, and its link failures by code. */
  links: Record<string, LinkStatus>;
}

export interface LinkStatus {
  state: "up" | "down" | "unknown";
  lastError: string | null;
  /** Wall-clock ms the bus went down, while it is down. */
  downSinceMs: number | null;
  /** Successful opens (connects) since start. */
  opens: number;
  /** Link failures by code: CONNECTION_CLOSED, CONNECTION_RESET, CONNECT_TIMEOUT, PORT_NOT_FOUND, ... */
  errors: Record<string, number>;
}

export function gatewayStatus(
  gateway: Gateway,
  busStates: ReadonlyMap<string, "up" | "down">,
): GatewayStatus {
  const store = gateway.store;
  const meters = gateway.buses.meters().map((m): MeterStatus => {
    const counters = gateway.buses.counters(m.id);
    const latest = store.readings.latestForMeter(m.id);
    const accountId = gateway.config.meters.find((c) => c.id === m.id)?.account;
    const account = accountId === undefined ? undefined : store.accounts.get(accountId);
    const relayClosed = latest?.extra?.["relayClosed"];
    return {
      id: m.id,
      bus: m.busId,
      unit: m.unit,
      profile: m.profile,
      state: counters.state,
      lastSeenMs: counters.lastSeenMs ?? latest?.atMs ?? null,
      importEnergyWh: latest?.energyWh ?? null,
      powerW: latest?.powerW ?? null,
      relay: relayClosed === undefined ? null : relayClosed === 1 ? "closed" : "open",
      account: accountId ?? null,
      balance: account === undefined ? null : formatMoneyE7(account.balanceE7),
      lastError: counters.lastError?.message ?? null,
      billing: meterBillingStatus(gateway.engine.meterHealth(m.id)),
    };
  });
  const buses: Record<string, "up" | "down" | "unknown"> = {};
  for (const bus of gateway.config.buses) buses[bus.id] = busStates.get(bus.id) ?? "unknown";
  const links: Record<string, LinkStatus> = {};
  for (const { busId, link } of gateway.buses.busStats()) {
    links[busId] = {
      state: link.state,
      lastError: link.lastError?.message ?? null,
      downSinceMs: link.downSinceMs ?? null,
      opens: link.opens,
      errors: { ...link.errors },
    };
  }
  return {
    gatewayId: gateway.config.gateway.id,
    uptimeMs: gateway.uptimeMs,
    meters,
    backlog: store.outbox.backlogByStream(),
    buses,
    storage: storageStatus(gateway.storeFailures.episode, gateway.storeFailures.totalBatches),
    disk: gateway.disk.snapshot(),
    links,
  };
}

/** Reasons the gateway is degraded; empty when healthy. */
export function healthProblems(
  gateway: Gateway,
  status: GatewayStatus,
  limits = { backlog: 100_000, freeDiskBytes: 100 * 1024 * 1024 },
): string[] {
  const problems: string[] = [];
  for (const [bus, state] of Object.entries(status.buses))
    if (state === "down") {
      const why = status.links[bus]?.lastError;
      problems.push(why === null || why === undefined ? `bus ${bus} is down` : `bus ${bus} is down: ${why}`);
    }
  const offline = status.meters.filter((m) => m.state === "offline").map((m) => m.id);
  if (offline.length > 0) problems.push(`meters offline: ${offline.join(", ")}`);
  const backlog = Object.values(status.backlog).reduce((a, b) => a + b, 0);
  if (backlog > limits.backlog) problems.push(`uplink backlog is ${backlog} records`);
  if (gateway.config.mqtt !== undefined && gateway.uplink?.connected !== true) {
    problems.push(`broker unreachable: ${gateway.config.mqtt.url} (records wait in the outbox)`);
  }
  problems.push(...billingProblems(status));
  problems.push(...diskProblems(status.disk));
  const clock = gateway.clockCheck();
  if (!clock.ok) problems.push(`clock not trusted: ${clock.detail}`);
  const ntp = ntpSynchronised();
  if (ntp === false) problems.push("clock not synchronised (NTP): sudo timedatectl set-ntp true");
  try {
    const free = freeDiskBytes(gateway.config.gateway.dataDir);
    if (free < limits.freeDiskBytes)
      problems.push(
        `disk low: ${Math.round(free / 1024 / 1024)} MiB free in ${gateway.config.gateway.dataDir}`,
      );
  } catch {
    problems.push(`cannot read free space of ${gateway.config.gateway.dataDir}`);
  }
  return problems;
}
