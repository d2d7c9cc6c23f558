/**
 * The next tariff set and the tier counter survive a restart (real SQLite file, ManualClock): the next
 * set is stored by one process, the gateway restarts before its switch-over, and the second process
 * charges the reading spanning it at both sets' prices, split at the instant; the tier counter carries
 * on in the settlement month and reads 0 from the month's local start.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { ingestInto, rigSettings, startEngine } from "../../test/helpers/billing/engine-rig.ts";
import type { Reading } from "../metering/reading.ts";
import { settlementPeriodBounds } from "../prepaid/index.ts";
import { PrepaidOperations } from "./operations.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

const minute = 60_000;
const settings = rigSettings(`
gateway: { id: gw, dataDir: /unused, timezone: Asia/Shanghai }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters: [{ id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }]
accounts: [{ id: a1, tariff: block, balance: "1000.00", hoardingLimit: "100000.00" }]
tariffs:
  - id: block
    kind: tiered
    price: "0.5000"
    settlement: monthly
    tiers: [{ fromKwh: "0", increment: "0" }, { fromKwh: "1", increment: "0.1000" }]
`);
const next = {
  id: "block",
  kind: "tiered" as const,
  price: "0.8000",
  settlement: "monthly" as const,
  tiers: [
    { fromKwh: "0", increment: "0" },
    { fromKwh: "1", increment: "0.1000" },
  ],
};

/** One process of the gateway on `dataDir`. */
function processOn(dataDir: string, clock: ManualClock) {
  const store = temp.open({ dataDir, clock });
  const engine = startEngine({ store, clock, settings });
  const ingest = ingestInto(store, engine);
  const read = (energyWh: number): Reading => ({
    ...{ meterId: "m1", busId: "b1", unit: 1, wallMs: clock.now(), monoMs: clock.monotonicMs() },
    ...{ values: { importEnergyWh: energyWh }, quality: [], durationMs: 5 },
  });
  return { store, engine, ops: new PrepaidOperations(engine, store), ingest, read };
}

describe("the next tariff set across a restart", () => {
  it("takes effect at its switch-over after a restart, and the tier counter carries on", () => {
    const dir = temp.dir();
    const march = settlementPeriodBounds("2026-03", "Asia/Shanghai");
    const first = new ManualClock(march.toMs - 3 * 60 * minute); // 31 Mar 21:00 Shanghai
    const switchMs = first.now() + 60 * minute;
    const before = processOn(dir, first);
    before.ingest([before.read(10_000)]);
    first.advance(30 * minute);
    before.ingest([before.read(10_800)]); // 800 Wh in March, tier 0
    expect(before.ops.tariffSet(next, { nowMs: first.now(), effectiveFromMs: switchMs })).toMatchObject({
      ok: true,
      result: { set: "next", effectiveFromMs: switchMs },
    });
    before.store.close();

    const second = new ManualClock(first.now() + 10 * minute); // restarted before the switch-over
    const after = processOn(dir, second);
    expect(after.engine.tariffView("a1")).toMatchObject({
      sets: {
        tariff: "block",
        current: { price: "0.5000" },
        next: { effectiveFromMs: switchMs, definition: next },
      },
      tierCounter: { periodKey: "2026-03", usedWh: 800, tier: 0, nextTierFromWh: 1_000 },
    });
    second.advance(50 * minute); // 30 min after the switch-over
    after.ingest([after.read(11_800)]); // 1000 Wh over 60 min: 200 + 300 Wh before, 500 Wh after
    const charges = after.store.ledger.forAccount("a1", { limit: 10 }).filter((e) => e.kind === "charge");
    const charge = charges.at(-1);
    expect(charge?.amountE7).toBe(-(200 * 5_000 + 300 * 6_000 + 500 * 9_000));
    expect(after.engine.tariffView("a1")).toMatchObject({
      sets: { current: next, currentSinceMs: switchMs, next: null },
      tierCounter: { periodKey: "2026-03", usedWh: 1_800, tier: 1 },
    });
    after.store.close();

    const third = new ManualClock(march.toMs); // restarted again, exactly at the local start of April
    const april = processOn(dir, third);
    expect(april.engine.tariffView("a1")?.tierCounter).toMatchObject({
      periodKey: "2026-04",
      usedWh: 0,
      tier: 0,
      periodFromMs: march.toMs,
    });
  });
});
