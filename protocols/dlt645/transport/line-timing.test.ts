import { describe, expect, it } from "vitest";
import { bitsPerCharacter, wireMs } from "./line-timing.ts";

const line = {
  kind: "serial",
  path: "/dev/ttyUSB0",
  baudRate: 2400,
  parity: "even",
  dataBits: 8,
  stopBits: 1,
} as const;

describe("DL/T 645 line timing", () => {
  it("counts 11 bits a character on 8E1 and 10 on 8N1", () => {
    expect(bitsPerCharacter(line)).toBe(11);
    expect(bitsPerCharacter({ ...line, parity: "none" })).toBe(10);
  });

  it("puts a 16-byte read request on a 2400-baud line in 73.3 ms, and nothing on TCP", () => {
    expect(wireMs(line, 16)).toBeCloseTo(73.33, 2);
    expect(wireMs({ kind: "tcp", host: "h", port: 1 }, 16)).toBe(0);
  });
});
