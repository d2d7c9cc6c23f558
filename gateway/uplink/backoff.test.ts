import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.ts";

const bounds = { minMs: 1000, maxMs: 60_000 };

describe("reconnect backoff", () => {
  it("doubles the step per attempt up to the cap, with the delay in [step/2, step]", () => {
    const steps = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000];
    steps.forEach((step, attempt) => {
      expect(backoffDelayMs(attempt, bounds, () => 0)).toBe(step / 2);
      expect(backoffDelayMs(attempt, bounds, () => 0.999_999)).toBe(step);
    });
  });

  it("spreads gateways that reconnect together", () => {
    let seed = 1;
    const random = () => (seed = (seed * 16807) % 2_147_483_647) / 2_147_483_647;
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(5, bounds, random)));
    expect(delays.size).toBeGreaterThan(40);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(16_000);
  });

  it("survives absurd attempt counts", () => {
    expect(backoffDelayMs(10_000, bounds, () => 0.5)).toBe(45_000);
    expect(backoffDelayMs(-3, bounds, () => 0)).toBe(500);
  });
});
