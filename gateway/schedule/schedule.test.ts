import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { openStore, type Store } from "../store/index.ts";
import { ClockCron } from "./cron.ts";
import { backup, freeze } from "./jobs.ts";

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function storeAt(clock: ManualClock): { store: Store; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "schedule-"));
  dirs.push(dir);
  const store = openStore({ dataDir: dir, clock });
  stores.push(store);
  return { store, dir };
}

describe("ClockCron", () => {
  it("fires at local midnight of the gateway's time zone, once, driven by the injected clock", () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 15, 58, 30)); // 23:58:30 in Shanghai
    const cron = new ClockCron(clock, "Asia/Shanghai", silentLogger());
    const fired: string[] = [];
    cron.add({
      name: "midnight",
      expression: "0 0 * * *",
      run: (at) => void fired.push(new Date(at).toISOString()),
    });
    cron.start();
    clock.advance(60_000);
    expect(fired).toEqual([]);
    clock.advance(60_000);
    expect(fired).toEqual(["2026-01-05T16:00:00.000Z"]);
    // NTP steps the wall clock back over midnight: the job does not run twice.
    clock.setWallClock(Date.UTC(2026, 0, 5, 15, 59, 30));
    clock.advance(5 * 60_000);
    expect(fired).toEqual(["2026-01-05T16:00:00.000Z"]);
    clock.advance(86_400_000);
    expect(fired).toHaveLength(2);
    cron.stop();
  });

  it("refuses an expression that is not cron", () => {
    const cron = new ClockCron(new ManualClock(), "UTC", silentLogger());
    expect(() => cron.add({ name: "bad", expression: "every day", run: () => {} })).toThrow(
      /not a cron expression/,
    );
  });
});

describe("freeze", () => {
  it("publishes each billed meter's day energy, charges and closing balance once per period", () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 10, 0, 0));
    const { store } = storeAt(clock);
    const meters = new Map([["m1", "a1"]]);
    store.transaction(() => {
      store.accounts.create({
        id: "a1",
        thresholds: {
          alarm1E7: 0,
          alarm2E7: 0,
          overdraftLimitE7: 0,
          hoardingLimitE7: 10 ** 12,
          closeAllowedMinE7: 0,
        },
      });
      store.ledger.post({ accountId: "a1", kind: "adjustment", amountE7: 1_000_000_000 });
    });
    const readAndCharge = (energyWh: number, amountE7: number) =>
      store.transaction(() => {
        const [id] = store.readings.insertBatch([
          { meterId: "m1", atMs: clock.now(), monoMs: clock.monotonicMs(), energyWh },
        ]);
        if (amountE7 > 0)
          store.ledger.chargeReading({
            accountId: "a1",
            kind: "charge",
            amountE7: -amountE7,
            readingId: id!,
          });
      });
    readAndCharge(10_000, 0);
    expect(freeze(store, meters, "UTC", Date.UTC(2026, 0, 6), "daily")).toBe(1);
    clock.advance(3_600_000);
    readAndCharge(12_500, 5_000_000);
    readAndCharge(13_000, 1_000_000);
    freeze(store, meters, "UTC", Date.UTC(2026, 0, 7), "daily");
    freeze(store, meters, "UTC", Date.UTC(2026, 0, 7), "daily");
    const daily = store.outbox
      .fetchUndelivered("billing", { limit: 100 })
      .map((r) => r.payload)
      .filter((p) => (p as { kind: string }).kind === "daily");
    expect(daily).toEqual([
      {
        kind: "daily",
        period: "2026-01-05",
        accountId: "a1",
        meterId: "m1",
        energyWh: 0,
        fromMs: Date.UTC(2026, 0, 5, 10),
        toMs: Date.UTC(2026, 0, 5, 10),
        amount: "0.00",
        closingBalance: "100.00",
        closingEnergyWh: 10_000,
      },
      {
        kind: "daily",
        period: "2026-01-06",
        accountId: "a1",
        meterId: "m1",
        energyWh: 3_000,
        fromMs: Date.UTC(2026, 0, 5, 10),
        toMs: Date.UTC(2026, 0, 5, 11),
        amount: "0.60",
        closingBalance: "99.40",
        closingEnergyWh: 13_000,
      },
    ]);
  });
});

describe("backup", () => {
  it("writes a consistent copy and keeps the newest N", () => {
    const clock = new ManualClock();
    const { store, dir } = storeAt(clock);
    const logger = silentLogger();
    for (let day = 1; day <= 4; day++) backup(store, dir, Date.UTC(2026, 0, day, 3, 30), 2, logger);
    expect(readdirSync(join(dir, "backups")).sort()).toEqual([
      "gateway-20260103T033000.db",
      "gateway-20260104T033000.db",
    ]);
    const copy = openStore({ dataDir: join(dir, "backups"), clock, fileName: "gateway-20260104T033000.db" });
    stores.push(copy);
    expect(copy.integrityCheck()).toEqual({ ok: true });
  });
});
