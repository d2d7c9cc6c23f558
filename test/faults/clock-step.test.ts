/**
 * Quick run of the clock-step fault scenario (issue 10, defects 1 and 2): the real service under
 * libfaketime, its wall clock stepped +1 h and back, then restarted.
 */
import { describe, expect, it } from "vitest";
import { scenario } from "./scenarios/clock-step.ts";

describe("fault: wall-clock steps and restarts", () => {
  it(
    "reports each step as an event and keeps billing every Wh exactly once",
    { timeout: 60_000 },
    async () => {
      const result = await scenario({ size: "quick" });
      expect(result.passed, result.failures.join("\n")).toBe(true);
      expect(result.figures["clock.anomaly events"]).toBeGreaterThanOrEqual(2);
    },
  );
});
