/** The disk-full fault, quick size: see scenarios/disk-full.ts. Needs root (a tmpfs mount). */
import { describe, expect, it } from "vitest";
import { scenario } from "./scenarios/disk-full.ts";

describe("fault: disk full", () => {
  it(
    "reports it, keeps polling through a restart on the full disk, and charges everything once after",
    { timeout: 120_000 },
    async () => {
      const result = await scenario({ size: "quick" });
      expect(result.passed, `${result.failures.join("\n")}\nfigures: ${JSON.stringify(result.figures)}`).toBe(
        true,
      );
    },
  );
});
