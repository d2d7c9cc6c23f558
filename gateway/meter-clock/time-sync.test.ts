import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { silentLogger } from "../../core/logger.ts";
import type { LocalDateTime } from "../metering/controls.ts";
import { openStore, type Store } from "../store/index.ts";
import { localDateTimeToEpochMs, toLocalDateTime } from "./local-fields.ts";
import { defaultTimeSyncRules } from "./policy.ts";
import { MeterTimeSync, type MeterClockPort } from "./time-sync.ts";

const timeZone = "Asia/Shanghai";
const rules = { ...defaultTimeSyncRules, timeZone };
const MIN = 60_000;
const HOUR = 3_600_000;
/** 2026-12-03 at a Shanghai local time. */
const local = (hh: number, mm: number) => Date.UTC(2026, 11, 3, hh - 8, mm);

/** Meters whose clocks run at an offset from the gateway's; a broadcast sets every one of them. */
class FakeBus implements MeterClockPort {
  readonly offsets = new Map<string, number>();
  readonly broadcasts: LocalDateTime[] = [];
  failBroadcast = false;
  constructor(private readonly clock: ManualClock) {}
  clockBuses() {
    return [{ busId: "rs485-1", meterIds: [...this.offsets.keys()] }];
  }
  readMeterClock(meterId: string): Promise<LocalDateTime> {
    return Promise.resolve(toLocalDateTime(this.clock.now() + (this.offsets.get(meterId) ?? 0), timeZone));
  }
  broadcastTime(_busId: string, time: () => LocalDateTime): Promise<void> {
    if (this.failBroadcast) return Promise.reject(new GatewayError(ErrorCode.Timeout, "write timed out"));
    const sent = time();
    this.broadcasts.push(sent);
    const offset = localDateTimeToEpochMs(sent, timeZone) - this.clock.now();
    for (const meterId of this.offsets.keys()) this.offsets.set(meterId, offset);
    return Promise.resolve();
  }
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const undo of cleanup.splice(0)) undo();
});

function rig(startMs: number, trusted = { value: true }) {
  const dir = mkdtempSync(join(tmpdir(), "time-sync-"));
  const clock = new ManualClock(startMs);
  const store: Store = openStore({ dataDir: dir, clock });
  cleanup.push(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const bus = new FakeBus(clock);
  const make = () =>
    new MeterTimeSync({
      clock,
      store,
      logger: silentLogger(),
      port: bus,
      rules,
      clockTrusted: () => trusted.value,
    });
  const events = (type: string) =>
    store.events
      .list({ type, limit: 100 })
      .map((e) => ({ meterId: e.meterId, data: (e.payload as { data: Record<string, unknown> }).data }));
  return { clock, store, bus, make, events, trusted };
}

/**
 * Advances the clock by `hours`, timer by timer, letting each round finish before time moves on (a meter
 * read takes real time; a ManualClock that jumped mid-read would count the jump as drift).
 */
async function runHours(r: ReturnType<typeof rig>, sync: MeterTimeSync, hours: number): Promise<void> {
  let left = hours * HOUR;
  for (;;) {
    const next = r.clock.msToNextTimer();
    if (next === undefined || next > left) break;
    r.clock.advance(next);
    left -= next;
    await sync.idle();
  }
  r.clock.advance(left);
}

describe("MeterTimeSync on a ManualClock", () => {
  it("broadcasts once a day at most, with the gateway's local time, and only when a meter is off", async () => {
    const r = rig(local(10, 0));
    r.bus.offsets.set("m1", 40_000).set("m2", -1_000);
    const sync = r.make();
    sync.start();
    await runHours(r, sync, 1);
    expect(r.bus.broadcasts).toEqual([{ year: 2026, month: 12, day: 3, hour: 10, minute: 1, second: 0 }]);
    expect(r.events("clock.meter-synced")).toEqual([
      { meterId: null, data: { busId: "rs485-1", corrected: [{ meterId: "m1", driftMs: 40_500 }] } },
    ]);
    // The meter drifts off again the same day: no second broadcast until the next day's round.
    r.bus.offsets.set("m1", 30_000);
    await runHours(r, sync, 13); // rounds until 23:01, the clock at midnight
    expect(r.bus.broadcasts).toHaveLength(1);
    await runHours(r, sync, 2); // past midnight and the 00:05 guard
    expect(r.bus.broadcasts).toHaveLength(2);
    expect(r.bus.broadcasts[1]).toMatchObject({ day: 4, hour: 1 });
    await sync.stop();
  });

  it("a restart the same day does not broadcast again (the mark is in the database)", async () => {
    const r = rig(local(9, 0));
    r.bus.offsets.set("m1", 20_000);
    await r.make().checkNow();
    r.bus.offsets.set("m1", 20_000);
    await r.make().checkNow();
    expect(r.bus.broadcasts).toHaveLength(1);
  });

  it("nothing within 5 minutes of midnight; the first round after it broadcasts", async () => {
    const r = rig(local(23, 56));
    r.bus.offsets.set("m1", -20_000);
    const sync = r.make();
    await sync.checkNow();
    r.clock.advance(8 * MIN); // 00:04 next day
    await sync.checkNow();
    expect(r.bus.broadcasts).toEqual([]);
    r.clock.advance(2 * MIN); // 00:06, the meter 20 s behind reads 00:05:40
    await sync.checkNow();
    expect(r.bus.broadcasts).toEqual([{ year: 2026, month: 12, day: 4, hour: 0, minute: 6, second: 0 }]);
  });

  it("reads and sets nothing while the gateway's clock is not trusted", async () => {
    const r = rig(local(10, 0), { value: false });
    r.bus.offsets.set("m1", 60_000);
    let reads = 0;
    const read = r.bus.readMeterClock.bind(r.bus);
    r.bus.readMeterClock = (id) => (reads++, read(id));
    const sync = r.make();
    await sync.checkNow();
    expect({ reads, broadcasts: r.bus.broadcasts.length }).toEqual({ reads: 0, broadcasts: 0 });
    r.trusted.value = true;
    await sync.checkNow();
    expect({ reads, broadcasts: r.bus.broadcasts.length }).toEqual({ reads: 1, broadcasts: 1 });
  });

  it("a meter 7 minutes off is reported once a day and holds the broadcast", async () => {
    const r = rig(local(10, 0));
    r.bus.offsets.set("far", -7 * MIN).set("near", 30_000);
    const sync = r.make();
    sync.start(MIN);
    await runHours(r, sync, 6);
    expect(r.bus.broadcasts).toEqual([]);
    expect(r.events("clock.meter-drift")).toEqual([
      { meterId: "far", data: { busId: "rs485-1", driftMs: -7 * MIN + 500, maxCorrectionMs: 5 * MIN } },
    ]);
    await runHours(r, sync, 24);
    expect(r.events("clock.meter-drift")).toHaveLength(2);
    await sync.stop();
  });

  it("a broadcast that fails is retried on a later round, and sent once", async () => {
    const r = rig(local(10, 0));
    r.bus.offsets.set("m1", 90_000);
    r.bus.failBroadcast = true;
    const sync = r.make();
    await sync.checkNow();
    expect(r.bus.broadcasts).toEqual([]);
    r.bus.failBroadcast = false;
    r.clock.advance(HOUR);
    await sync.checkNow();
    await sync.checkNow();
    expect(r.bus.broadcasts).toHaveLength(1);
  });
});
