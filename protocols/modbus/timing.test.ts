import { describe, expect, it } from "vitest";
import { maxPollsPerSecond, t35Ms } from "./timing.ts";

describe("RTU line limit (DOMAIN.md section 6)", () => {
  it("matches the published figures at 9600 baud for 2 registers", () => {
    expect(Math.round(maxPollsPerSecond(9600, 2, 0))).toBe(36);
    expect(Math.round(maxPollsPerSecond(9600, 2, 10))).toBe(30);
    expect(Math.round(maxPollsPerSecond(9600, 2, 50))).toBe(14);
  });
  it("fixes t3.5 at 1.75 ms above 19200 baud", () => {
    expect(t35Ms(38400)).toBe(1.75);
    expect(t35Ms(9600)).toBeCloseTo(4.01, 2);
  });
});
