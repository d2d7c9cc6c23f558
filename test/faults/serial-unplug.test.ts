/** Quick run of the serial unplug/replug fault scenario (the full one runs in `npm run faults`). */
import { expect, it } from "vitest";
import { scenario } from "./scenarios/serial-unplug.ts";

it("USB-RS485 adapter unplugged and replugged: bus down, then back by itself, SIGTERM < 5 s", async () => {
  const result = await scenario({ size: "quick" });
  expect(result.passed, result.failures.join("\n")).toBe(true);
}, 60_000);
