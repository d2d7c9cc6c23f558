import { describe, expect, it } from "vitest";
import { checkClock, monotonicShift } from "./clock-check.ts";

const at = Date.UTC(2026, 0, 5, 12);
const MIN = 60_000;

describe("checkClock across runs of the process", () => {
  it("takes a monotonic clock that restarted with a new run as expected, whatever the gap", () => {
    const before = { wallMs: at, monoMs: 9_000_000, run: "a" };
    expect(checkClock(before, { wallMs: at + 2 * MIN, monoMs: 1_500, run: "b" }, 10_000)).toEqual({
      ok: true,
    });
    // A run shorter than the previous one's uptime is not a wall jump either.
    expect(
      checkClock({ ...before, monoMs: 10_000 }, { wallMs: at + 3_600_000, monoMs: 12_000, run: "b" }, 10_000),
    ).toEqual({ ok: true });
  });

  it("reports a wall clock that went backwards over the restart, by how much", () => {
    const check = checkClock(
      { wallMs: at, monoMs: 500, run: "a" },
      { wallMs: at - 5 * MIN, monoMs: 40, run: "b" },
      10_000,
    );
    expect(check).toEqual({ ok: false, anomaly: "wall-backwards", skewMs: -5 * MIN });
  });

  it("still reports monotonic time going backwards within one run", () => {
    expect(
      checkClock({ wallMs: at, monoMs: 500, run: "a" }, { wallMs: at + 1, monoMs: 40, run: "a" }, 10_000),
    ).toMatchObject({
      ok: false,
      anomaly: "monotonic-reset",
    });
  });

  it("shifts an earlier run's monotonic times by the wall clock's advance, never by a negative gap", () => {
    expect(monotonicShift({ wallMs: at, monoMs: 500 }, { wallMs: at + 1000, monoMs: 20, run: "b" })).toBe(
      20 - 1000 - 500,
    );
    expect(monotonicShift({ wallMs: at, monoMs: 500 }, { wallMs: at - 1000, monoMs: 20, run: "b" })).toBe(
      20 - 500,
    );
    expect(
      monotonicShift({ wallMs: at, monoMs: 500, run: "b" }, { wallMs: at + 7, monoMs: 20, run: "b" }),
    ).toBe(0);
  });
});
