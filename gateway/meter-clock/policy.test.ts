import { describe, expect, it } from "vitest";
import {
  decideTimeSync,
  defaultTimeSyncRules,
  localDay,
  type MeterClockState,
  type TimeSyncRules,
} from "./policy.ts";

const rules: TimeSyncRules = { ...defaultTimeSyncRules, timeZone: "Asia/Shanghai" };
/** Epoch ms of a local time in Shanghai (UTC+8, no DST). */
const at = (day: number, hh: number, mm: number, ss = 0) => Date.UTC(2026, 11, day, hh - 8, mm, ss);
const MIN = 60_000;

function meter(
  driftMs: number | undefined,
  nowMs: number,
  extra: Partial<MeterClockState> = {},
): MeterClockState {
  return {
    meterId: "m1",
    driftMs,
    measuredAtMs: driftMs === undefined ? undefined : nowMs - 1_000,
    lastSyncDay: undefined,
    driftReportedDay: undefined,
    ...extra,
  };
}

describe("decideTimeSync: the State Grid broadcast rules", () => {
  const table: Array<[string, number, number | undefined, Partial<MeterClockState>, string]> = [
    // [case, local time, drift, state, expected action or reason]
    ["mid-morning, 2 min behind", at(3, 10, 0), -2 * MIN, {}, "broadcast"],
    ["correction of exactly 5 min", at(3, 10, 0), 5 * MIN, {}, "broadcast"],
    ["5 min and 1 s: too large", at(3, 10, 0), 5 * MIN + 1_000, {}, "drift-too-large"],
    ["under the minimum correction", at(3, 10, 0), 4_000, {}, "in-sync"],
    ["at the minimum correction", at(3, 10, 0), 5_000, {}, "broadcast"],
    ["exactly 5 min to midnight", at(3, 23, 55), 10_000, {}, "near-midnight"],
    ["5 min 1 s to midnight, meter 10 s behind", at(3, 23, 54, 59), -10_000, {}, "broadcast"],
    ["5 min 1 s to midnight, meter 10 s ahead", at(3, 23, 54, 59), 10_000, {}, "near-midnight"],
    ["exactly 5 min after midnight", at(3, 0, 5), -10_000, {}, "near-midnight"],
    ["5 min 11 s after midnight, meter 10 s behind", at(3, 0, 5, 11), -10_000, {}, "broadcast"],
    ["meter 4 min behind, 8 min after midnight", at(3, 0, 8), -4 * MIN, {}, "near-midnight"],
    ["second time the same day", at(3, 15, 0), 30_000, { lastSyncDay: "2026-12-03" }, "synced-today"],
    ["synced yesterday", at(3, 15, 0), 30_000, { lastSyncDay: "2026-12-02" }, "broadcast"],
    ["never read", at(3, 10, 0), undefined, {}, "not-measured"],
  ];
  it.each(table)("%s", (_name, nowMs, driftMs, extra, expected) => {
    const decision = decideTimeSync([meter(driftMs, nowMs, extra)], { wallMs: nowMs, trusted: true }, rules);
    const got = decision.verdict.action === "broadcast" ? "broadcast" : decision.verdict.reason;
    expect(got).toBe(expected);
  });

  it("never on an untrusted gateway clock, and reports nothing measured against it", () => {
    const nowMs = at(3, 10, 0);
    const decision = decideTimeSync([meter(20 * MIN, nowMs)], { wallMs: nowMs, trusted: false }, rules);
    expect(decision).toEqual({ verdict: { action: "none", reason: "clock-untrusted" }, driftReports: [] });
  });

  it("keeps 5 minutes from a daily freeze at 12:00 and from the monthly settlement", () => {
    const noonFreeze = { ...rules, dailyFreezeMinutes: [0, 12 * 60] };
    const near = at(3, 11, 56);
    expect(decideTimeSync([meter(-MIN, near)], { wallMs: near, trusted: true }, noonFreeze).verdict).toEqual({
      action: "none",
      reason: "near-freeze",
    });
    const settlement = { ...rules, monthlyFreezes: [{ day: 3, hour: 6 }] };
    const beforeSix = at(3, 5, 57);
    expect(
      decideTimeSync([meter(MIN, beforeSix)], { wallMs: beforeSix, trusted: true }, settlement).verdict,
    ).toEqual({
      action: "none",
      reason: "near-freeze",
    });
    const otherDay = at(4, 5, 57);
    expect(
      decideTimeSync([meter(MIN, otherDay)], { wallMs: otherDay, trusted: true }, settlement).verdict.action,
    ).toBe("broadcast");
  });

  it("reports a meter beyond 5 minutes once a day and holds its bus's broadcast", () => {
    const nowMs = at(3, 10, 0);
    const far = { ...meter(-7 * MIN, nowMs), meterId: "far" };
    const near = { ...meter(30_000, nowMs), meterId: "near" };
    const first = decideTimeSync([far, near], { wallMs: nowMs, trusted: true }, rules);
    expect(first).toEqual({
      verdict: { action: "none", reason: "drift-too-large" },
      driftReports: [{ meterId: "far", driftMs: -7 * MIN }],
    });
    const reported = { ...far, driftReportedDay: "2026-12-03" };
    expect(decideTimeSync([reported, near], { wallMs: nowMs, trusted: true }, rules).driftReports).toEqual(
      [],
    );
  });

  it("one broadcast corrects every meter of the bus that is off; a stale reading does not count", () => {
    const nowMs = at(3, 10, 0);
    const a = { ...meter(30_000, nowMs), meterId: "a" };
    const b = { ...meter(-90_000, nowMs), meterId: "b" };
    const stale = { ...meter(20 * MIN, nowMs), meterId: "stale", measuredAtMs: nowMs - 11 * MIN };
    expect(decideTimeSync([a, b, stale], { wallMs: nowMs, trusted: true }, rules).verdict).toEqual({
      action: "broadcast",
      meterIds: ["a", "b"],
    });
  });

  it("names local days in the gateway's zone", () => {
    expect(localDay(at(4, 0, 0), "Asia/Shanghai")).toBe("2026-12-04");
    expect(localDay(at(4, 0, 0) - 1, "Asia/Shanghai")).toBe("2026-12-03");
  });
});
