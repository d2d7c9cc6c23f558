import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { silentLogger } from "../../core/logger.ts";
import { TempStores } from "../../test/helpers/store/temp-store.ts";
import type { Store } from "../store/index.ts";
import { DiskGuard } from "./disk-guard.ts";
import { diskProblems } from "./disk-health.ts";
import { reserveFileName } from "./disk-reserve.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";

const temp = new TempStores();
afterEach(() => temp.cleanup());

const MiB = 1024 * 1024;
const diskFull = () => new Database.SqliteError("database or disk is full", "SQLITE_FULL");

/** A guard on a real store and reserve file; only the free space the kernel reports is set by the test. */
function setup() {
  const dataDir = temp.dir();
  const store = temp.open({ dataDir });
  const clock = new ManualClock();
  const disk = { freeBytes: 100 * MiB };
  const guard = new DiskGuard({
    dataDir,
    reserveBytes: 2 * MiB,
    clock,
    logger: silentLogger(),
    freeBytes: () => disk.freeBytes,
  });
  const reserve = join(dataDir, reserveFileName);
  const events = () =>
    store.db.prepare("SELECT type, severity FROM events ORDER BY id").all() as Array<{
      type: string;
      severity: string;
    }>;
  return { dataDir, store, clock, disk, guard, reserve, events };
}

function growWal(store: Store): void {
  for (let i = 0; i < 50; i++)
    store.transaction(() =>
      recordEvent(store, { type: "bus.up", severity: "info", message: "x".repeat(2000), data: {} }),
    );
}

describe("DiskGuard", () => {
  it("holds a reserve; on the first SQLITE_FULL gives most of it back, truncates the WAL, alerts and retries", () => {
    const { store, guard, reserve, events } = setup();
    guard.attach(store);
    expect(statSync(reserve).size).toBe(2 * MiB);
    growWal(store);
    const walBefore = statSync(`${store.file}-wal`).size;
    expect(walBefore).toBeGreaterThan(100_000);
    let calls = 0;
    const stored = guard.write(() => {
      if (++calls === 1) throw diskFull();
    }, 3);
    expect(stored).toBe(true);
    expect(calls).toBe(2);
    expect(statSync(reserve).size).toBe(512 * 1024);
    // Truncated to zero, then only the alert written into it.
    expect(statSync(`${store.file}-wal`).size).toBeLessThan(walBefore / 4);
    expect(events().at(-1)).toEqual({ type: "disk.full", severity: "critical" });
    const snapshot = guard.snapshot();
    expect(snapshot).toMatchObject({ state: "full", readingsNotStored: 0 });
    expect(diskProblems(snapshot)[0]).toMatch(/^disk full in .* since .*: billing goes on/);
    guard.stop();
  });

  it("counts readings it could not store, says so, and recovers with disk.ok once there is room", () => {
    const { store, guard, clock, disk, reserve, events } = setup();
    guard.attach(store);
    disk.freeBytes = 0;
    expect(
      guard.write(() => {
        throw diskFull();
      }, 5),
    ).toBe(false);
    expect(diskProblems(guard.snapshot())).toEqual([
      expect.stringMatching(/5 readings could not be stored \(the meters keep counting/),
    ]);
    clock.advance(10_000);
    expect(guard.snapshot().state).toBe("full");
    disk.freeBytes = 50 * MiB;
    clock.advance(2000);
    expect(guard.snapshot()).toMatchObject({ state: "ok", fullSinceMs: null, readingsNotStored: 0 });
    expect(diskProblems(guard.snapshot())).toEqual([]);
    expect(statSync(reserve).size).toBe(2 * MiB);
    expect(events().map((e) => e.type)).toEqual(["disk.full", "disk.ok"]);
    guard.stop();
  });

  it("gives back the whole reserve before a start on a full disk and records the alert once the store opens", () => {
    const { dataDir, store, guard, disk, reserve, events } = setup();
    writeFileSync(reserve, Buffer.alloc(512 * 1024));
    disk.freeBytes = 0;
    guard.prepareStart();
    expect(existsSync(reserve)).toBe(false);
    guard.attach(store);
    expect(events()).toEqual([{ type: "disk.full", severity: "critical" }]);
    expect(diskProblems(guard.snapshot())[0]).toContain(`disk full in ${dataDir}`);
    guard.stop();
  });

  it("passes other errors on untouched", () => {
    const { store, guard, reserve } = setup();
    guard.attach(store);
    expect(() =>
      guard.write(() => {
        throw new Error("constraint");
      }, 1),
    ).toThrow("constraint");
    expect(statSync(reserve).size).toBe(2 * MiB);
    expect(guard.snapshot().state).toBe("ok");
    guard.stop();
  });
});

describe("DiskGuard.startStep", () => {
  it("turns a disk-full failure of a start step into one plain error naming the directory", () => {
    const { dataDir, guard, disk } = setup();
    disk.freeBytes = 0;
    expect(() =>
      guard.startStep("the database", () => {
        throw diskFull();
      }),
    ).toThrow(`disk full: cannot open the database in ${dataDir} (0 bytes free); free space on this disk`);
    expect(guard.startStep("the lock file", () => 7)).toBe(7);
  });
});

describe("DiskGuard.lock", () => {
  it("gives back the reserve and tries again when the lock file cannot be written for lack of space", () => {
    const { guard, reserve } = setup();
    writeFileSync(reserve, Buffer.alloc(512 * 1024));
    let attempts = 0;
    const lock = guard.lock(() => {
      if (++attempts === 1)
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      return "locked";
    });
    expect(lock).toBe("locked");
    expect(existsSync(reserve)).toBe(false);
    expect(guard.snapshot().state).toBe("full");
  });

  it("leaves the reserve alone when another gateway holds the lock", () => {
    const { guard, reserve } = setup();
    writeFileSync(reserve, Buffer.alloc(512 * 1024));
    expect(() =>
      guard.lock(() => {
        throw new Error("another gateway (pid 1) is running");
      }),
    ).toThrow("another gateway");
    expect(statSync(reserve).size).toBe(512 * 1024);
  });
});
