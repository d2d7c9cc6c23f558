/** The Overview page's data: identity, uptime, buses, meters, uplink and health in plain words. */
import type { WebSources } from "./sources.ts";

export interface BusView {
  id: string;
  state: "up" | "down" | "unknown";
  /** Share of time the bus spent in transactions since start, 0..1. */
  utilisation: number;
  /** Link failures by code since start. */
  errors: Record<string, number>;
  lastError: string | null;
  downSinceMs: number | null;
  /** Jobs waiting, by priority (relay, read, poll). */
  queued: Record<string, number>;
}

export interface OverviewView {
  gatewayId: string;
  version: string;
  nowMs: number;
  uptimeMs: number;
  buses: BusView[];
  meters: { total: number; online: number; offline: number; unknown: number };
  uplink: {
    configured: boolean;
    connected: boolean;
    lastPublishAtMs: number | null;
    backlog: Record<string, number>;
  };
  health: { status: "ok" | "degraded"; reasons: string[] };
}

export function overviewView(sources: WebSources): OverviewView {
  const status = sources.status.snapshot();
  const reasons = sources.status.problems(status);
  const stats = new Map(sources.meters.busStats().map((s) => [s.busId, s]));
  const uptime = Math.max(1, status.uptimeMs);
  const states = status.meters.map((m) => m.state);
  return {
    gatewayId: status.gatewayId,
    version: sources.version,
    nowMs: sources.clock.now(),
    uptimeMs: status.uptimeMs,
    buses: Object.entries(status.buses).map(([id, state]) => {
      const link = status.links[id];
      const busStats = stats.get(id);
      return {
        id,
        state,
        utilisation: Math.min(1, (busStats?.busyMs ?? 0) / uptime),
        errors: link?.errors ?? {},
        lastError: link?.lastError ?? null,
        downSinceMs: link?.downSinceMs ?? null,
        queued: { ...(busStats?.queued ?? {}) },
      };
    }),
    meters: {
      total: states.length,
      online: states.filter((s) => s === "online").length,
      offline: states.filter((s) => s === "offline").length,
      unknown: states.filter((s) => s !== "online" && s !== "offline").length,
    },
    uplink: { ...sources.uplink(), backlog: status.backlog },
    health: { status: reasons.length === 0 ? "ok" : "degraded", reasons },
  };
}
