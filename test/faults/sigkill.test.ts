/**
 * The quick slice of the fault suite's sigkill scenario (test/faults/scenarios/sigkill.ts); `npm run faults`
 * runs the full one.
 */
import { describe, expect, it } from "vitest";
import { scenario } from "./scenarios/sigkill.ts";

describe("fault: SIGKILL under load: kills at random moments with top-ups arriving", () => {
  it("holds every check", async () => {
    const result = await scenario({ size: "quick" });
    expect(result.failures, result.failures.join("\n")).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.runs).toBeGreaterThanOrEqual(3);
  });
});
