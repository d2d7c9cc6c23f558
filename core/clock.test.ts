import { afterEach, describe, expect, it, vi } from "vitest";
import { SystemClock } from "./clock.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("SystemClock", () => {
  it("waits out a delay longer than a Node timer holds (24.8 days) instead of firing at once", () => {
    vi.useFakeTimers();
    const clock = new SystemClock();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    let fired = false;
    const thirtyDaysMs = 30 * 24 * 3600 * 1000;
    clock.setTimeout(() => (fired = true), thirtyDaysMs);
    vi.advanceTimersByTime(1000);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(thirtyDaysMs - 2000);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(fired).toBe(true);
    process.off("warning", onWarning);
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });

  it("clears a chained long wait", () => {
    vi.useFakeTimers();
    const clock = new SystemClock();
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 40 * 24 * 3600 * 1000);
    vi.advanceTimersByTime(30 * 24 * 3600 * 1000);
    clock.clearTimeout(handle);
    vi.advanceTimersByTime(20 * 24 * 3600 * 1000);
    expect(fired).toBe(false);
  });

  it("runs a wait when Node runs its timer, also a fraction of a millisecond before the due time", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let nowMs = 1000;
    vi.spyOn(performance, "now").mockImplementation(() => nowMs);
    const clock = new SystemClock();
    let fired = 0;
    clock.setTimeout(() => (fired += 1), 3.6);
    // Node counts whole milliseconds of its loop time: its timer may run before performance.now()
    // reaches the due time.
    nowMs = 1003.4;
    vi.advanceTimersToNextTimer();
    expect(fired).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
