import { describe, expect, it } from "vitest";
import { crc16, hasValidCrc, withCrc } from "./crc.ts";
import { MbapFramer, RtuRequestFramer, encodeMbap, type MbapFrame } from "./framing.ts";

const bytes = (...b: number[]) => Uint8Array.from(b);
/** Read holding register 0, count 1, unit 1: the textbook frame 01 03 00 00 00 01 84 0A. */
const readFrame = bytes(0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0a);

function collect() {
  const frames: Array<[number, number[]]> = [];
  const discarded: string[] = [];
  const framer = new RtuRequestFramer({
    frame: (unit, pdu) => frames.push([unit, [...pdu]]),
    discarded: (b, reason) => discarded.push(`${reason}:${b.length}`),
  });
  return { framer, frames, discarded };
}

describe("CRC-16", () => {
  it("matches the reference frame", () => {
    expect(crc16(readFrame, 0, 6)).toBe(0x0a84);
    expect(hasValidCrc(readFrame)).toBe(true);
    expect([...withCrc(readFrame.subarray(0, 6))]).toEqual([...readFrame]);
  });
  it("detects a flipped bit", () => {
    const bad = readFrame.slice();
    bad[3] = 0x01;
    expect(hasValidCrc(bad)).toBe(false);
  });
});

describe("RTU request framer", () => {
  it("frames a request split across two chunks", () => {
    const { framer, frames } = collect();
    framer.push(readFrame.subarray(0, 3));
    expect(frames).toEqual([]);
    framer.push(readFrame.subarray(3));
    expect(frames).toEqual([[1, [0x03, 0x00, 0x00, 0x00, 0x01]]]);
  });
  it("resynchronises after garbage before a frame", () => {
    const { framer, frames, discarded } = collect();
    framer.push(bytes(0xde, 0xad, 0x00));
    framer.push(readFrame);
    expect(frames).toEqual([[1, [0x03, 0x00, 0x00, 0x00, 0x01]]]);
    expect(discarded.length).toBeGreaterThan(0);
  });
  it("drops a corrupt frame and keeps the next one", () => {
    const { framer, frames } = collect();
    const corrupt = readFrame.slice();
    corrupt[7] = 0x00;
    framer.push(corrupt);
    framer.silence();
    framer.push(readFrame);
    expect(frames).toEqual([[1, [0x03, 0x00, 0x00, 0x00, 0x01]]]);
  });
  it("frames write-multiple requests by their byte count", () => {
    const { framer, frames } = collect();
    const body = bytes(0x02, 0x10, 0x00, 0x10, 0x00, 0x01, 0x02, 0x12, 0x34);
    framer.push(withCrc(body));
    expect(frames).toEqual([[2, [0x10, 0x00, 0x10, 0x00, 0x01, 0x02, 0x12, 0x34]]]);
  });
  it("ends an unknown function's frame at line silence", () => {
    const { framer, frames } = collect();
    framer.push(withCrc(bytes(0x01, 0x2b, 0x0e, 0x01, 0x00)));
    expect(frames).toEqual([]);
    framer.silence();
    expect(frames).toEqual([[1, [0x2b, 0x0e, 0x01, 0x00]]]);
  });
  it("discards a truncated request at silence", () => {
    const { framer, frames, discarded } = collect();
    framer.push(readFrame.subarray(0, 5));
    framer.silence();
    expect(frames).toEqual([]);
    expect(discarded).toEqual(["silence:5"]);
    expect(framer.pending).toBe(0);
  });
});

describe("MBAP framer", () => {
  it("frames back-to-back and split TCP frames", () => {
    const frames: MbapFrame[] = [];
    const framer = new MbapFramer((f) => frames.push(f));
    const a = encodeMbap(7, 1, bytes(0x04, 0x00, 0x00, 0x00, 0x02));
    const b = encodeMbap(8, 2, bytes(0x01, 0x00, 0x00, 0x00, 0x01));
    const stream = new Uint8Array([...a, ...b]);
    framer.push(stream.subarray(0, 10));
    framer.push(stream.subarray(10));
    expect(frames.map((f) => [f.transactionId, f.unit, [...f.pdu]])).toEqual([
      [7, 1, [0x04, 0x00, 0x00, 0x00, 0x02]],
      [8, 2, [0x01, 0x00, 0x00, 0x00, 0x01]],
    ]);
  });
  it("reports a bad protocol id", () => {
    const errors: string[] = [];
    const framer = new MbapFramer(
      () => {},
      (e) => errors.push(e),
    );
    framer.push(bytes(0, 1, 0, 5, 0, 6, 1, 3, 0, 0, 0, 1));
    expect(errors[0]).toMatch(/protocol 5/);
  });
});
