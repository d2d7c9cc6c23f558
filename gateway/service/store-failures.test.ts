import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { StoreFailures } from "./store-failures.ts";

const T0 = Date.UTC(2026, 0, 5, 12);

describe("StoreFailures", () => {
  it("counts an episode from its first failure, keeps the last error and clears when a batch stores", () => {
    const clock = new ManualClock(T0);
    const failures = new StoreFailures(clock);
    expect(failures.stored()).toEqual({ kind: "none" });
    expect(failures.episode).toBeUndefined();

    expect(failures.failed(new Error("database or disk is full"), 3).kind).toBe("episode-started");
    clock.advance(200);
    expect(failures.failed(new Error("disk I/O error"), 2)).toEqual({
      kind: "still-failing",
      episode: { sinceMs: T0, batches: 2, readings: 5, lastError: "disk I/O error", lastAtMs: T0 + 200 },
    });
    clock.advance(200);
    expect(failures.stored()).toMatchObject({ kind: "recovered", episode: { batches: 2, readings: 5 } });
    expect(failures.episode).toBeUndefined();

    // A new failure is a new episode (its own event), while the total keeps counting.
    clock.advance(1000);
    expect(failures.failed("SQLITE_BUSY", 1)).toMatchObject({
      kind: "episode-started",
      episode: { sinceMs: T0 + 1400, batches: 1, readings: 1, lastError: "SQLITE_BUSY" },
    });
    expect(failures.totalBatches).toBe(3);
  });
});
