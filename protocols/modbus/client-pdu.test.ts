import { describe, expect, it } from "vitest";
import {
  checkBitsReply,
  checkEchoReply,
  checkRegistersReply,
  writeCoilPdu,
  writeRegisterPdu,
  writeRegistersPdu,
  checkWriteMultipleReply,
} from "./client-pdu.ts";

describe("the master's reply checks", () => {
  it.each([
    ["two registers", [4, 4, 0x12, 0x34, 0xab, 0xcd], { kind: "value", value: [0x1234, 0xabcd] }],
    ["an exception", [0x84, 0x02], { kind: "exception", exceptionCode: 2 }],
    ["an exception without its code", [0x84], { kind: "short" }],
    ["data cut short", [4, 4, 0x12, 0x34, 0xab], { kind: "short" }],
    ["another function code", [3, 4, 0, 0, 0, 0], { kind: "bad" }],
    ["a byte count for three registers", [4, 6, 0, 0, 0, 0, 0, 0], { kind: "bad" }],
    ["bytes past the data", [4, 4, 0, 0, 0, 0, 9], { kind: "bad" }],
    ["nothing", [], { kind: "short" }],
  ])("FC 04 for two registers: %s", (_, bytes, expected) => {
    expect(checkRegistersReply(4, 2, Uint8Array.from(bytes))).toMatchObject(expected);
  });

  it("reads bits LSB first and ignores the padding of the last byte", () => {
    expect(checkBitsReply(1, 10, Uint8Array.of(1, 2, 0b1000_0101, 0b10))).toEqual({
      kind: "value",
      value: [true, false, true, false, false, false, false, true, false, true],
    });
  });

  it("accepts the echo of a single write and nothing else", () => {
    const coil = writeCoilPdu(100, true);
    expect(Array.from(coil)).toEqual([5, 0, 100, 0xff, 0]);
    expect(checkEchoReply(coil, coil)).toEqual({ kind: "value", value: true });
    expect(checkEchoReply(coil, writeCoilPdu(100, false))).toMatchObject({ kind: "bad" });
    expect(checkEchoReply(coil, coil.subarray(0, 3))).toMatchObject({ kind: "short" });
    const register = writeRegisterPdu(0x0102, 0xbeef);
    expect(Array.from(register)).toEqual([6, 1, 2, 0xbe, 0xef]);
    expect(checkEchoReply(register, Uint8Array.of(0x86, 4))).toEqual({ kind: "exception", exceptionCode: 4 });
  });

  it("encodes FC 16 with its byte count and accepts only the echo of address and quantity", () => {
    const request = writeRegistersPdu(0x0010, [0x546f, 0x7020]);
    expect(Array.from(request)).toEqual([0x10, 0, 0x10, 0, 2, 4, 0x54, 0x6f, 0x70, 0x20]);
    expect(checkWriteMultipleReply(request, Uint8Array.of(0x10, 0, 0x10, 0, 2))).toEqual({
      kind: "value",
      value: true,
    });
    expect(checkWriteMultipleReply(request, Uint8Array.of(0x10, 0, 0x10, 0, 3))).toMatchObject({
      kind: "bad",
    });
    expect(checkWriteMultipleReply(request, Uint8Array.of(0x90, 6))).toEqual({
      kind: "exception",
      exceptionCode: 6,
    });
  });
});
