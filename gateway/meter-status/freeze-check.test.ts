import { describe, expect, it } from "vitest";
import { checkFreeze } from "./freeze-check.ts";

const at = (atMs: number, energyWh: number) => ({ atMs, energyWh });

describe("checkFreeze: the meter's daily freeze against the gateway's readings around it", () => {
  const table: Array<
    [string, number, ReturnType<typeof at> | undefined, ReturnType<typeof at> | undefined, string]
  > = [
    ["equal to a reading taken at the freeze", 1_234_560, at(0, 1_234_560), at(0, 1_234_560), "agrees"],
    ["between the readings either side", 1_234_600, at(-10_000, 1_234_560), at(10_000, 1_234_640), "agrees"],
    [
      "one resolution below the reading before",
      1_234_550,
      at(-10_000, 1_234_560),
      at(10_000, 1_234_640),
      "agrees",
    ],
    [
      "more than one resolution below",
      1_234_549,
      at(-10_000, 1_234_560),
      at(10_000, 1_234_640),
      "mismatch:-1",
    ],
    [
      "one resolution above the reading after",
      1_234_650,
      at(-10_000, 1_234_560),
      at(10_000, 1_234_640),
      "agrees",
    ],
    [
      "more than one resolution above",
      1_234_700,
      at(-10_000, 1_234_560),
      at(10_000, 1_234_640),
      "mismatch:50",
    ],
    ["no reading after the freeze yet", 1_234_560, at(-10_000, 1_234_560), undefined, "not-comparable"],
    ["no reading before it", 1_234_560, undefined, at(10_000, 1_234_640), "not-comparable"],
  ];
  it.each(table)("%s", (_name, frozenWh, before, after, expected) => {
    const check = checkFreeze(frozenWh, 10, before, after);
    expect(check.verdict === "mismatch" ? `mismatch:${check.offByWh}` : check.verdict).toBe(expected);
  });
});
