/**
 * The quick slice of the fault suite's sigkill scenario (test/faults/scenarios/sigkill.ts); `npm run faults`
 * runs the full one.
 */
import { describe, expect, it } from "vitest";
import { scenario } from "./scenarios/sigkill.ts";

describe("fault: SIGKILL under load: kills at random moments with top-ups arriving", () => {
  // About 10 s alone; the limit leaves room for a loaded 2-core machine running other files beside it.
  it("holds every check", { timeout: 60_000 }, async () => {
    const result = await scenario({ size: "quick" });
    expect(result.failures, result.failures.join("\n")).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.runs).toBeGreaterThanOrEqual(3);
  });
});
