import { describe, expect, it } from "vitest";
import { exceptionPdu, parseRequestPdu, responsePdu } from "./pdu.ts";

const b = (...x: number[]) => Uint8Array.from(x);

describe("request PDU parsing", () => {
  it("parses reads and writes", () => {
    expect(parseRequestPdu(b(0x04, 0x00, 0x48, 0x00, 0x04))).toEqual({
      ok: true,
      request: { kind: "readRegisters", fc: 4, address: 0x48, count: 4 },
    });
    expect(parseRequestPdu(b(0x05, 0x00, 0x00, 0xff, 0x00))).toEqual({
      ok: true,
      request: { kind: "writeCoil", fc: 5, address: 0, value: true },
    });
  });
  it("answers illegal function for an unsupported code and illegal value for bad counts", () => {
    expect(parseRequestPdu(b(0x2b, 0x0e))).toEqual({ ok: false, fc: 0x2b, exception: 1 });
    expect(parseRequestPdu(b(0x03, 0x00, 0x00, 0x00, 126))).toEqual({ ok: false, fc: 3, exception: 3 });
    expect(parseRequestPdu(b(0x05, 0x00, 0x00, 0x12, 0x34))).toEqual({ ok: false, fc: 5, exception: 3 });
  });
});

describe("response PDU building", () => {
  it("packs coils LSB first and registers big-endian", () => {
    expect([...responsePdu({ kind: "readBits", fc: 1, address: 0, count: 3 }, [true, false, true])]).toEqual([
      1, 1, 0b101,
    ]);
    expect([
      ...responsePdu({ kind: "readRegisters", fc: 4, address: 0, count: 2 }, [0x4366, 0x0001]),
    ]).toEqual([4, 4, 0x43, 0x66, 0x00, 0x01]);
  });
  it("builds exceptions", () => {
    expect([...exceptionPdu(4, 2)]).toEqual([0x84, 0x02]);
  });
});
