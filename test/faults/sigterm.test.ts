import { describe, expect, it } from "vitest";
import { runSigtermStops, scenario, sigtermStops } from "./scenarios/sigterm.ts";

describe("fault: SIGTERM while polling", () => {
  it(`stores every polled reading and logs no error across ${sigtermStops.quick} stops`, async () => {
    const result = await scenario({ size: "quick" });
    expect(result.passed, result.failures.join("\n")).toBe(true);
    expect(result.figures["readings stored"]).toBe(result.figures["readings polled"]);
  }, 60_000);

  // The regression run of defect 5 (issue 10): a stop lost or misreported the last batch in about half of
  // the stops, so many stops are needed to see it. SIGTERM_STOPS sets how many (default 20).
  const stops = Number(process.env["SIGTERM_STOPS"] ?? 20);
  it(
    `stores every polled reading and logs no error across ${stops} stops`,
    async () => {
      const result = await runSigtermStops(stops);
      expect(result.passed, result.failures.join("\n")).toBe(true);
    },
    10_000 * stops,
  );
});
