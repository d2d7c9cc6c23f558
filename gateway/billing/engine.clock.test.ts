/**
 * The engine through wall-clock steps and restarts (issue 10, defects 1 and 2), on a real SQLite file.
 * Monotonic times carry fractions the way performance.now() gives them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { Reading } from "../metering/reading.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import { migrations } from "../store/schema.ts";
import { rigSettings, startEngine, ingestInto } from "../../test/helpers/billing/engine-rig.ts";

const HOUR = 3_600_000;
const temp = new TempStores();
afterEach(() => temp.cleanup());

const settings = rigSettings(
  `gateway: { id: gw, dataDir: /unused, timezone: UTC }
buses: [{ id: b1, transport: tcp, host: 127.0.0.1 }]
meters: [{ id: m1, bus: b1, unit: 1, profile: generic-prepaid, account: a1 }]
accounts: [{ id: a1, tariff: flat, balance: "100.00" }]
tariffs: [{ id: flat, kind: flat, price: "1.0000" }]`,
);

/**
 * An engine on `dataDir` (a new one: a restart), reading `clock`. Each reading's monotonic time gets a
 * different fraction of a millisecond, starting at `fraction`, as performance.now() gives them.
 */
function engineOn(dataDir: string, clock: ManualClock, fraction = 0.2603) {
  let n = 0;
  const store = temp.open({ dataDir, clock });
  const engine = startEngine({ store, clock, settings });
  const ingest = ingestInto(store, engine);
  const read = (energyWh: number): Reading => ({
    meterId: "m1",
    busId: "b1",
    unit: 1,
    wallMs: clock.now(),
    monoMs: clock.monotonicMs() + ((fraction + n++ * 0.3779) % 1),
    values: { importEnergyWh: energyWh, powerW: 1000 },
    quality: [],
    durationMs: 5,
  });
  const chargedWh = () =>
    -store.ledger
      .forAccount("a1", { limit: 10_000 })
      .filter((e) => e.kind === "charge")
      .reduce((sum, e) => sum + e.amountE7, 0) / 10_000;
  const anomalies = () =>
    store.events
      .list({ limit: 1000, type: "clock.anomaly" })
      .map((e) => (e.payload as { message: string }).message);
  return { store, engine, ingest, read, chargedWh, anomalies };
}

describe("prepaid engine through a wall-clock step", () => {
  it("keeps storing and charging readings after a +1 h step with fractional monotonic times", () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const g = engineOn(temp.dir(), clock);
    g.ingest([g.read(10_000)]);
    clock.advance(60_000);
    g.ingest([g.read(10_010)]);
    clock.setWallClock(clock.now() + HOUR); // NTP steps the clock
    clock.advance(60_000);
    g.ingest([g.read(10_020)]); // held: clock anomaly
    for (let i = 1; i <= 3; i++) {
      clock.advance(60_000);
      g.ingest([g.read(10_020 + i * 10)]);
    }
    expect(g.anomalies()).toHaveLength(1);
    expect(g.store.readings.counts().total).toBe(6);
    // Every Wh charged once, the held one included, and every stored time whole.
    expect(g.chargedWh()).toBe(50);
    const track = g.store.db.prepare("SELECT * FROM meter_states WHERE meter_id = 'm1'").get();
    expect(JSON.stringify(track)).not.toMatch(/\d\.\d/);
  });

  it("resumes charging from a baseline an earlier version stored with fractional milliseconds", () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const dir = temp.dir();
    // The file as a version before issue 10 left it (schema 6, engine state in kv), its track fractional.
    const earlier = temp.open({ dataDir: dir, clock, migrations: migrations.slice(0, 6) });
    const wallMs = clock.now() - 0.7397;
    earlier.kv.setJson(
      "prepaid.meter.m1",
      JSON.stringify({
        track: {
          energyWh: 10_000,
          wallMs,
          monoMs: 0.2603,
          lastClock: { wallMs, monoMs: 0.2603 },
          lastAdvanceMonoMs: 0.2603,
          stopped: false,
          holds: 0,
        },
      }),
    );
    earlier.close();
    clock.advance(60_000);
    const g = engineOn(dir, clock);
    for (let i = 1; i <= 3; i++) {
      g.ingest([g.read(10_000 + i * 10)]);
      clock.advance(60_000);
    }
    expect(g.chargedWh()).toBe(30);
  });
});

describe("prepaid engine across a restart", () => {
  it("raises no clock anomaly and charges the first reading when monotonic time restarts with the process", () => {
    const dir = temp.dir();
    const before = new ManualClock(Date.UTC(2026, 0, 5, 12));
    before.advance(5 * HOUR); // the previous process ran for five hours
    const first = engineOn(dir, before);
    first.ingest([first.read(10_000)]);
    before.advance(60_000);
    first.ingest([first.read(10_010)]);
    first.store.close();

    // The new process: the wall clock went on for 2 minutes, its monotonic clock starts again near 0.
    const after = new ManualClock(before.now() + 120_000);
    after.advance(1_500);
    const g = engineOn(dir, after, 0.731);
    g.ingest([g.read(10_040)]);
    expect(g.anomalies()).toEqual([]);
    expect(g.chargedWh()).toBe(40);
  });

  it("still reports a wall clock that went backwards across the restart, and charges once it is right", () => {
    const dir = temp.dir();
    const before = new ManualClock(Date.UTC(2026, 0, 5, 12));
    before.advance(HOUR);
    const first = engineOn(dir, before);
    first.ingest([first.read(10_000)]);
    first.store.close();

    const after = new ManualClock(before.now() - HOUR);
    const g = engineOn(dir, after);
    g.ingest([g.read(10_010)]);
    expect(g.anomalies()).toEqual([expect.stringMatching(/wall-backwards/)]);
    after.advance(60_000);
    g.ingest([g.read(10_020)]);
    expect(g.chargedWh()).toBe(20);
  });

  it("charges what was used while a restarted gateway's clock read 1970 once NTP sets it, with no jump held", () => {
    const dir = temp.dir();
    const before = new ManualClock(Date.UTC(2026, 0, 5, 12));
    const first = engineOn(dir, before);
    first.ingest([first.read(10_000)]);
    first.store.close();

    // Down for 5 minutes at 20 kW (1667 Wh), then up with the clock at 1970 for 2 minutes (667 Wh more).
    const after = new ManualClock(Date.UTC(1970, 0, 1, 0, 0, 30));
    const g = engineOn(dir, after);
    g.ingest([g.read(11_667)]);
    after.advance(60_000);
    g.ingest([g.read(12_000)]);
    after.advance(60_000);
    after.setWallClock(before.now() + 7 * 60_000); // NTP
    g.ingest([g.read(12_334)]);
    expect(g.anomalies()).toEqual([expect.stringMatching(/wall-implausible/)]);
    expect(g.chargedWh()).toBe(2_334);
  });
});
