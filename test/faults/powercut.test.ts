/**
 * The quick slice of the fault suite's powercut scenario (test/faults/scenarios/powercut.ts); `npm run faults`
 * runs the full one.
 */
import { describe, expect, it } from "vitest";
import { scenario } from "./scenarios/powercut.ts";

describe("fault: power cut: frozen copies of the database and its WAL", () => {
  it("holds every check", async () => {
    const result = await scenario({ size: "quick" });
    expect(result.failures, result.failures.join("\n")).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.runs).toBe(3);
  });
});
