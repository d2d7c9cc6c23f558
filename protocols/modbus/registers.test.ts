import { describe, expect, it } from "vitest";
import { decodeRegisters, encodeRegisters, registersFromBytes, type RegisterFormat } from "./registers.ts";

const fmt = (
  type: RegisterFormat["type"],
  wordOrder: "big" | "little" = "big",
  byteOrder: "big" | "little" = "big",
) => ({ type, wordOrder, byteOrder }) as const;

/** Registers from the bytes exactly as they arrive in a reply's data field. */
const regs = (...bytes: number[]) => registersFromBytes(Uint8Array.from(bytes));

describe("register decoding from reply bytes", () => {
  it("float32, high word first (Eastron: 230.0 V = 43 66 00 00)", () => {
    expect(decodeRegisters(regs(0x43, 0x66, 0x00, 0x00), fmt("float32"))).toBe(230);
  });
  it("float32, low word first", () => {
    expect(decodeRegisters(regs(0x00, 0x00, 0x43, 0x66), fmt("float32", "little"))).toBe(230);
  });
  it("float32, bytes swapped within words", () => {
    expect(decodeRegisters(regs(0x66, 0x43, 0x00, 0x00), fmt("float32", "big", "little"))).toBe(230);
  });
  it("float32, fully little-endian", () => {
    expect(decodeRegisters(regs(0x00, 0x00, 0x66, 0x43), fmt("float32", "little", "little"))).toBe(230);
  });
  it("float32 fractions keep their float32 value (1.5 kWh = 3F C0 00 00)", () => {
    expect(decodeRegisters(regs(0x3f, 0xc0, 0x00, 0x00), fmt("float32"))).toBe(1.5);
  });
  it("uint16 and int16", () => {
    expect(decodeRegisters(regs(0xff, 0xfe), fmt("uint16"))).toBe(65534);
    expect(decodeRegisters(regs(0xff, 0xfe), fmt("int16"))).toBe(-2);
    expect(decodeRegisters(regs(0xfe, 0xff), fmt("int16", "big", "little"))).toBe(-2);
  });
  it("uint32 and int32 in every word/byte order", () => {
    expect(decodeRegisters(regs(0x00, 0x01, 0x86, 0xa0), fmt("uint32"))).toBe(100000);
    expect(decodeRegisters(regs(0x86, 0xa0, 0x00, 0x01), fmt("uint32", "little"))).toBe(100000);
    expect(decodeRegisters(regs(0x01, 0x00, 0xa0, 0x86), fmt("uint32", "big", "little"))).toBe(100000);
    expect(decodeRegisters(regs(0xa0, 0x86, 0x01, 0x00), fmt("uint32", "little", "little"))).toBe(100000);
    expect(decodeRegisters(regs(0xff, 0xff, 0xff, 0xfe), fmt("int32"))).toBe(-2);
    expect(decodeRegisters(regs(0xff, 0xfe, 0xff, 0xff), fmt("int32", "little"))).toBe(-2);
    expect(decodeRegisters(regs(0xff, 0xff, 0xff, 0xfe), fmt("uint32"))).toBe(4294967294);
  });
  it("rejects the wrong number of registers", () => {
    expect(() => decodeRegisters([1], fmt("float32"))).toThrow(RangeError);
  });
});

describe("register encoding round-trips", () => {
  const formats = (["int16", "uint16", "int32", "uint32", "float32"] as const).flatMap((type) =>
    (["big", "little"] as const).flatMap((w) => (["big", "little"] as const).map((b) => fmt(type, w, b))),
  );
  it.each(formats)("%o", (format) => {
    const value = format.type.startsWith("int") ? -1234 : format.type === "float32" ? 4321.5 : 1234;
    expect(decodeRegisters(encodeRegisters(value, format), format)).toBe(value);
  });
  it("refuses values that do not fit", () => {
    expect(() => encodeRegisters(70000, fmt("uint16"))).toThrow(RangeError);
    expect(() => encodeRegisters(-1, fmt("uint32"))).toThrow(RangeError);
  });
});
