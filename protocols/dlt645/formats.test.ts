import { describe, expect, it } from "vitest";
import {
  dailyFrozenForwardDi,
  decodeDataValues,
  decodeField,
  decodeStatusWord3,
  encodeDataValues,
  encodeField,
  encodeStatusWord3,
  findDataId,
  formatDi,
  maxReadsPerSecond,
  parseDi,
  readTransactionMs,
  readWireBytes,
  type NumberFormat,
} from "./index.ts";

const hex = (text: string) => Uint8Array.from(text.split(" ").map((b) => Number.parseInt(b, 16)));
const entry = (di: number) => findDataId(di)!;

describe("DL/T 645 data formats", () => {
  it("decodes XXXXXX.XX kWh into exact integer Wh", () => {
    // 999999.99 kWh, the register's ceiling, stays exact: 999 999 990 Wh.
    expect(decodeDataValues(entry(0x00010000), hex("99 99 99 99"))).toEqual([999_999_990]);
    expect(decodeDataValues(entry(0x00010000), hex("01 00 00 00"))).toEqual([10]);
  });
  it("decodes voltage XXX.X V, current XXX.XXX A, frequency XX.XX Hz, power factor X.XXX", () => {
    expect(decodeDataValues(entry(0x02010100), hex("03 22"))).toEqual([220.3]);
    expect(decodeDataValues(entry(0x02020100), hex("50 12 00"))).toEqual([1.25]);
    expect(decodeDataValues(entry(0x02800002), hex("98 49"))).toEqual([49.98]);
    expect(decodeDataValues(entry(0x02060000), hex("85 09"))).toEqual([0.985]);
  });
  it("reads the sign bit where appendix A marks it, and only there", () => {
    expect(decodeDataValues(entry(0x02020100), hex("50 12 80"))).toEqual([-1.25]);
    expect(decodeDataValues(entry(0x02060000), hex("00 90"))).toEqual([-1]);
    expect(decodeDataValues(entry(0x00000000), hex("00 01 00 80"))).toEqual([-1000]);
    // Forward energy is unsigned: the same top byte 80 is the digits 800000.00 kWh there.
    expect(decodeDataValues(entry(0x00010000), hex("00 00 00 80"))).toEqual([800_000_000]);
    expect(() => decodeDataValues(entry(0x00010000), hex("00 00 00 A0"))).toThrow(/not BCD/);
  });
  it("decodes active power XX.XXXX kW into W", () => {
    expect(decodeDataValues(entry(0x02030000), hex("34 12 00"))).toEqual([123.4]);
  });
  it("decodes dates and times", () => {
    expect(decodeDataValues(entry(0x04000101), hex("02 01 12 26"))).toEqual([
      { year: 2026, month: 12, day: 1, weekday: 2 },
    ]);
    expect(decodeDataValues(entry(0x04000102), hex("05 30 18"))).toEqual([
      { hour: 18, minute: 30, second: 5 },
    ]);
  });
  it("decodes daily frozen energy (total + 4 tariffs) and the freeze time", () => {
    const di = dailyFrozenForwardDi(1);
    expect(formatDi(di)).toBe("05060101");
    const values = [1_000_000, 100_000, 200_000, 300_000, 400_000];
    const payload = encodeDataValues(entry(di), values);
    expect(payload.length).toBe(20);
    expect(decodeDataValues(entry(di), payload)).toEqual(values);
    expect(decodeDataValues(entry(0x05060001), hex("00 00 01 12 26"))).toEqual([
      { year: 2026, month: 12, day: 1, hour: 0, minute: 0 },
    ]);
    expect(findDataId(0x0506013f)).toBeUndefined();
  });
  it("decodes money in integer fen and counters as counts", () => {
    expect(decodeDataValues(entry(0x00900200), hex("45 23 01 00"))).toEqual([12_345]);
    expect(decodeDataValues(entry(0x03300d00), hex("12 00 00"))).toEqual([12]);
  });
  it("encodes what it decodes, truncating energy to the register's 0.01 kWh", () => {
    const energy: NumberFormat = { kind: "number", bytes: 4, decimals: 2, signed: false, unit: "kWh" };
    expect([...encodeField(energy, 1_234_569)]).toEqual([0x56, 0x34, 0x12, 0x00]);
    const current: NumberFormat = { kind: "number", bytes: 3, decimals: 3, signed: true, unit: "A" };
    expect(decodeField(current, encodeField(current, -12.345))).toBe(-12.345);
    expect(() => encodeField(energy, -10)).toThrow(RangeError);
  });
  it("names the bits of status word 3", () => {
    const word = encodeStatusWord3({ relayOpen: true, openCommanded: true, alarmOn: false, keepPower: true });
    expect(word).toBe(0x1050);
    expect(decodeDataValues(entry(0x04000503), hex("50 10"))).toEqual([0x1050]);
    expect(decodeStatusWord3(0x0010)).toEqual({
      relayOpen: true,
      openCommanded: false,
      alarmOn: false,
      keepPower: false,
    });
  });
  it("prints and parses DIs as 8 hex digits", () => {
    expect(parseDi("0001FF00")).toBe(0x0001ff00);
    expect(formatDi(0x04000503)).toBe("04000503");
    expect(() => parseDi("0001FF")).toThrow(RangeError);
  });
});

describe("DL/T 645 line limit", () => {
  it("prices a read of 00010000 at 2400 baud: 20 + 24 bytes x 11 bits, plus the turnaround", () => {
    expect(readWireBytes(4)).toEqual({ request: 20, reply: 24 });
    expect(readTransactionMs(2400, 4, 50)).toBeCloseTo(44 * 11 * (1000 / 2400) + 50, 9);
    expect(maxReadsPerSecond(2400, 4, 0)).toBeCloseTo(2400 / (44 * 11), 9);
  });
});
