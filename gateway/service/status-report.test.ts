import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { newCounters, type MeterCounters } from "../bus/counters.ts";
import type { Config } from "../config/index.ts";
import type { MeterDirectory } from "./ports.ts";
import { StatusService, type StatusSources } from "./status-report.ts";
import { StoreFailures } from "./store-failures.ts";

/** Status on hand-made ports: no buses, no database, no gateway. */
function statusOf(overrides: {
  states: Record<string, MeterCounters["state"]>;
  ntp?: boolean;
  silent?: boolean;
}) {
  const meterIds = Object.keys(overrides.states);
  const meters = {
    meters: () => meterIds.map((id) => ({ id, busId: "b1", unit: 1, profile: "p", hasRelay: true })),
    live: (id: string) => ({ ...newCounters(), state: overrides.states[id]! }),
    accountOf: (id: string) => (id === "m1" ? "a1" : undefined),
    account: () => undefined,
    relay: (id: string) => (id === "m1" ? "open" : undefined),
    busStats: () => [],
  } as unknown as MeterDirectory;
  const config = { gateway: { id: "gw", dataDir: "/data" }, buses: [{ id: "b1" }] } as unknown as Config;
  const sources: StatusSources = {
    config: () => config,
    meters,
    store: {
      readings: { latestForMeter: () => undefined },
      outbox: { backlogByStream: () => ({}) },
      // a1 was opened by account.open (customer number) and has been closed.
      lifecycle: {
        get: (id: string) => (id === "a1" ? { customerNo: "CUST-1", closedAtMs: 1234 } : undefined),
      },
    },
    meterHealth: () => ({ held: undefined, heldJumps: [], relayDisobeys: undefined, replacement: undefined }),
    storeFailures: new StoreFailures(new ManualClock()),
    disk: () => ({
      dataDir: "/data",
      state: "ok",
      fullSinceMs: null,
      freeBytes: null,
      reserveBytes: 0,
      readingsNotStored: 0,
    }),
    busStates: new Map([["b1", "up"]]),
    clock: { now: () => 0, uptimeMs: () => 5000, check: () => ({ ok: true }) },
    uplinkConnected: () => undefined,
    platformContact: () => ({ silent: overrides.silent === true, lastMessageMs: undefined }),
    host: { ntpSynchronised: () => overrides.ntp, freeDiskBytes: () => 1e12 },
  } as unknown as StatusSources;
  return new StatusService(sources);
}

describe("StatusService", () => {
  it("takes relay and account from the meter directory", () => {
    const status = statusOf({ states: { m1: "online", m2: "unknown" } }).snapshot();
    expect(status.meters.map((m) => [m.id, m.relay, m.account, m.customerNo, m.accountClosedAtMs])).toEqual([
      ["m1", "open", "a1", "CUST-1", 1234],
      ["m2", null, null, null, null],
    ]);
    expect(status.buses).toEqual({ b1: "up" });
    expect(status.uptimeMs).toBe(5000);
  });

  it("names offline meters and an unsynchronised clock from the probe's last answer", () => {
    const service = statusOf({ states: { m1: "offline", m2: "online" }, ntp: false });
    expect(service.problems(service.snapshot())).toEqual([
      "meters offline: m1",
      "clock not synchronised (NTP): sudo timedatectl set-ntp true",
    ]);
  });

  it("names a silent platform as the reason automatic cuts are held", () => {
    const service = statusOf({ states: { m1: "online" }, silent: true });
    const status = service.snapshot();
    expect(status.platform).toEqual({ silent: true, lastMessageMs: null });
    expect(service.problems(status)).toEqual([
      "platform silent: no valid signed command within policy.keepPowerAfterSilenceMin (none since start); automatic cuts are held (keep-power) until one arrives",
    ]);
  });
});
