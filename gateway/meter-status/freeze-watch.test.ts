import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { silentLogger, type Logger } from "../../core/logger.ts";
import type { MeterDailyFreeze } from "../metering/controls.ts";
import { openStore, type Store } from "../store/index.ts";
import { MeterFreezeCheck } from "./freeze-watch.ts";

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

/** Midnight 2026-12-02 in Shanghai (UTC+8), the meter's freeze instant. */
const MIDNIGHT = Date.UTC(2026, 11, 1, 16, 0, 0);

function rig() {
  const dir = mkdtempSync(join(tmpdir(), "freeze-check-"));
  const clock = new ManualClock(MIDNIGHT + 3_600_000);
  const store: Store = openStore({ dataDir: dir, clock });
  cleanup.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // The gateway's readings: 30 s before and 30 s after midnight (the daily freeze takes the first).
  store.readings.insertBatch([
    { meterId: "m1", atMs: MIDNIGHT - 30_000, monoMs: 1, energyWh: 2_000_000 },
    { meterId: "m1", atMs: MIDNIGHT + 30_000, monoMs: 2, energyWh: 2_000_020 },
  ]);
  const frozen: { energyWh: number } = { energyWh: 2_000_010 };
  const port = {
    reads: 0,
    freezeMeters: () => ["m1"],
    readDailyFreeze(): Promise<MeterDailyFreeze> {
      this.reads++;
      return Promise.resolve({
        frozenAt: { year: 2026, month: 12, day: 2, hour: 0, minute: 0, second: 0 },
        energyWh: frozen.energyWh,
        resolutionWh: 10,
      });
    },
  };
  const make = (logger: Logger = silentLogger()) =>
    new MeterFreezeCheck({
      clock,
      store,
      logger,
      port,
      timeZone: "Asia/Shanghai",
      accountOf: () => "a1",
    });
  const events = () =>
    store.events
      .list({ type: "meter.freeze-mismatch", limit: 10 })
      .map((e) => (e.payload as { data: unknown }).data);
  return { clock, store, frozen, port, make, events };
}

describe("MeterFreezeCheck", () => {
  it("a freeze within the gateway's readings (one resolution either side) raises nothing", async () => {
    const r = rig();
    await r.make().checkNow();
    expect(r.events()).toEqual([]);
  });

  it("a freeze beyond one resolution is reported once, also across a restart", async () => {
    const r = rig();
    r.frozen.energyWh = 2_000_040; // 10 Wh above what the reading after midnight allows
    const check = r.make();
    check.start(60_000);
    r.clock.advance(60_000);
    await check.idle();
    await check.stop();
    await r.make().checkNow(); // a restart reads the same freeze again
    expect(r.port.reads).toBe(2);
    expect(r.events()).toEqual([
      { frozenAtMs: MIDNIGHT, frozenWh: 2_000_040, lowWh: 1_999_990, highWh: 2_000_030, offByWh: 10 },
    ]);
  });

  it("a meter that has not frozen a day yet (error 02, no requested data) is no warning; other errors are", async () => {
    const r = rig();
    const lines: string[] = [];
    const logger: Logger = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const warnings = () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    const refuse = (errorByte: number) => () =>
      Promise.reject(new GatewayError(ErrorCode.MeterErrorReply, "refused", { errorByte }));
    r.port.readDailyFreeze = refuse(0x02);
    await r.make(logger).checkNow();
    expect(warnings()).toEqual([]);
    r.port.readDailyFreeze = refuse(0x04);
    await r.make(logger).checkNow();
    expect(warnings()).toEqual(["meter freeze not checked"]);
    expect(r.events()).toEqual([]);
  });
});
