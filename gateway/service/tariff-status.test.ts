/**
 * The tier counter and the next tariff set as `status` and `config.get` show them, over the real engine
 * and a real SQLite file (ManualClock): the counter follows the charges of the settlement month and reads
 * 0 from the local start of the next month, before any reading; the next set's switch-over is shown
 * until it takes effect.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openCommandRig, type CommandRig } from "../../test/helpers/billing/command-rig.ts";
import { closeEngineRigs } from "../../test/helpers/billing/engine-rig.ts";
import type { MeterDirectory } from "./ports.ts";
import { StatusService, type StatusSources } from "./status-report.ts";

afterEach(closeEngineRigs);

const minute = 60_000;
const config = `
gateway: { id: gw, dataDir: /unused, timezone: Asia/Shanghai }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters: [{ id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }]
accounts: [{ id: a1, tariff: block, balance: "500.00", hoardingLimit: "100000.00" }]
tariffs:
  - { id: block, kind: tiered, price: "0.5000", settlement: monthly, tiers: [{ fromKwh: "0", increment: "0" }, { fromKwh: "1", increment: "0.1" }] }
`;

/** `status` of the rig's one meter: hand-made ports, except the tariff view, which is the real one. */
function meterTariff(rig: CommandRig) {
  const meters = {
    meters: () => [{ id: "m1", busId: "b1", unit: 1, profile: "p", hasRelay: false }],
    live: () => ({ state: "online", lastSeenMs: null }),
    accountOf: () => "a1",
    account: () => undefined,
    relay: () => undefined,
    busStats: () => [],
  } as unknown as MeterDirectory;
  const sources = {
    config: () => ({ gateway: { id: "gw", dataDir: "/data" }, buses: [] }),
    meters,
    store: {
      readings: { latestForMeter: () => undefined },
      outbox: { backlogByStream: () => ({}) },
      lifecycle: { get: () => undefined },
    },
    meterHealth: () => ({ held: undefined, heldJumps: [], relayDisobeys: undefined, replacement: undefined }),
    disk: () => ({}),
    storeFailures: { episode: undefined, totalBatches: 0 },
    busStates: new Map(),
    clock: { now: () => 0, uptimeMs: () => 0, check: () => ({ ok: true }) },
    tariffView: (accountId: string) => rig.ops.tariffs.tariffView(accountId),
  } as unknown as StatusSources;
  return new StatusService(sources).snapshot().meters[0]?.tariff;
}

async function accountInConfigGet(rig: CommandRig): Promise<unknown> {
  const pending = rig.send("config.get", {}) as unknown as Promise<{
    result: { config: { accounts: unknown[] } };
  }>;
  return (await pending).result.config.accounts[0];
}

describe("tier counter and next set in status and config.get", () => {
  it("follows the month's charges and reads 0 from the local start of the next month", async () => {
    const rig = openCommandRig(config); // 2026-01-05 12:00 UTC
    rig.clock.advance(Date.UTC(2026, 0, 31, 14) - rig.clock.now()); // 31 Jan 22:00 in Shanghai
    rig.ingest([rig.read("m1", 5_000)]);
    rig.clock.advance(60 * minute);
    rig.ingest([rig.read("m1", 6_500)]);
    const january = { periodKey: "2026-01", usedWh: 1_500, tier: 1, tierFromWh: 1_000, nextTierFromWh: null };
    expect(meterTariff(rig)).toMatchObject({ id: "block", nextFromMs: null, tierCounter: january });
    expect(await accountInConfigGet(rig)).toMatchObject({ tariffNextFromMs: null, tierCounter: january });

    const switchMs = Date.UTC(2026, 1, 5);
    const next = { id: "block", kind: "flat", price: "0.6000" };
    expect(rig.send("tariff.set", { tariff: next, effectiveFrom: switchMs })).toMatchObject({ status: "ok" });
    rig.clock.advance(60 * minute - 1); // the last ms of January, local time
    expect(meterTariff(rig)?.tierCounter).toMatchObject({ periodKey: "2026-01", usedWh: 1_500 });
    rig.clock.advance(1); // 1 Feb 00:00 in Shanghai: no reading yet
    const february = { periodKey: "2026-02", usedWh: 0, tier: 0, periodFromMs: rig.clock.now() };
    expect(meterTariff(rig)).toMatchObject({ nextFromMs: switchMs, tierCounter: february });
    expect(await accountInConfigGet(rig)).toMatchObject({
      tariffNextFromMs: switchMs,
      tierCounter: february,
    });

    rig.clock.advance(switchMs - rig.clock.now()); // the next set, flat, is in force: no tier counter
    expect(meterTariff(rig)).toEqual({ id: "block", nextFromMs: null, tierCounter: null });
  });
});
