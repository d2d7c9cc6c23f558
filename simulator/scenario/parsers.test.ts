import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.ts";
import { formatUnitList, parseUnitList } from "../../protocols/modbus/unit-list.ts";

describe("parseUnitList", () => {
  it("expands ranges and single ids, sorted", () => {
    expect(parseUnitList("15-17,1-3,12")).toEqual({ ok: true, units: [1, 2, 3, 12, 15, 16, 17] });
    expect(parseUnitList(7)).toEqual({ ok: true, units: [7] });
    expect(parseUnitList(" 1 - 2 , 4 ")).toEqual({ ok: true, units: [1, 2, 4] });
  });

  it.each([
    ["", "empty unit list"],
    ["0-3", "unit ids are 1..247"],
    ["240-248", "unit ids are 1..247"],
    ["5-3", "runs backwards"],
    ["1-3,2", "unit 2 is listed twice"],
    ["1,a", "'a' is not a unit id"],
  ])("rejects %j (%s)", (input, message) => {
    const parsed = parseUnitList(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });

  it("formats compactly", () => {
    expect(formatUnitList([5, 1, 2, 3, 12, 13])).toBe("1-3,5,12-13");
  });
});

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["10m", 600_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1d2h", 93_600_000],
    ["250ms", 250],
    ["1.5h", 5_400_000],
    ["1500", 1500],
    [42, 42],
  ])("%j is %d ms", (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, ms });
  });

  it.each(["", "ten minutes", "5x", "10m5", "-1s"])("rejects %j", (input) => {
    expect(parseDuration(input).ok).toBe(false);
  });

  it("rejects more than ten years", () => {
    expect(parseDuration("4000d").ok).toBe(false);
  });

  it("formats compactly", () => {
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(93_600_250)).toBe("1d2h250ms");
  });
});
