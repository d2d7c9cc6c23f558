/** Quick run of the hostile-TCP-peers fault scenario (the full one runs in `npm run faults`). */
import { expect, it } from "vitest";
import { scenario } from "./scenarios/hostile-tcp.ts";

it("hostile TCP peers: buses shown down, good bus keeps billing, recovery, SIGTERM < 5 s", async () => {
  const result = await scenario({ size: "quick" });
  expect(result.passed, result.failures.join("\n")).toBe(true);
}, 60_000);
