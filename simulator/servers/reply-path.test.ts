/** Bytes on the wire for each line fault, and the line-timing arithmetic, without sockets or sleeping. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { hasValidCrc, withCrc } from "../../protocols/modbus/crc.ts";
import { pollTimeMs, t35Ms, wireTimeMs } from "../../protocols/modbus/timing.ts";
import { mulberry32 } from "../core/prng.ts";
import { noiseBytes } from "../faults/line-noise.ts";
import { LineTiming } from "./line-timing.ts";
import { ReplySender, replyBytes } from "./reply-path.ts";

const pdu = Uint8Array.of(0x04, 0x04, 0x43, 0x66, 0x00, 0x00); // 230.0 V as float32
const frame = withCrc(Uint8Array.of(1, ...pdu));

describe("replyBytes over RTU", () => {
  it("sends the framed reply, or nothing for silence", () => {
    expect(replyBytes({ unit: 1, pdu }, "rtu")).toEqual(frame);
    expect(replyBytes({ silent: true }, "rtu")).toBeUndefined();
  });

  it("crc: same length, CRC no longer valid", () => {
    const bytes = replyBytes({ unit: 1, pdu, line: { kind: "crc" } }, "rtu")!;
    expect(bytes.length).toBe(frame.length);
    expect(bytes.subarray(0, -1)).toEqual(frame.subarray(0, -1));
    expect(hasValidCrc(bytes)).toBe(false);
  });

  it("truncated: half the frame by default, or keepBytes, never the whole", () => {
    expect(replyBytes({ unit: 1, pdu, line: { kind: "truncated" } }, "rtu")).toEqual(frame.slice(0, 4));
    expect(replyBytes({ unit: 1, pdu, line: { kind: "truncated", keepBytes: 2 } }, "rtu")).toEqual(
      frame.slice(0, 2),
    );
    expect(replyBytes({ unit: 1, pdu, line: { kind: "truncated", keepBytes: 200 } }, "rtu")).toEqual(
      frame.slice(0, -1),
    );
  });

  it("garbage: the noise alone, or the noise then the reply", () => {
    const noise = Uint8Array.of(0xaa, 0x55, 0x13);
    expect(replyBytes({ unit: 1, pdu, line: { kind: "garbage", noise, withReply: false } }, "rtu")).toEqual(
      noise,
    );
    expect(replyBytes({ unit: 1, pdu, line: { kind: "garbage", noise, withReply: true } }, "rtu")).toEqual(
      Uint8Array.of(...noise, ...frame),
    );
  });
});

describe("replyBytes over Modbus TCP", () => {
  it("echoes the transaction id; crc and garbage become exception 0B from the converter", () => {
    expect(replyBytes({ unit: 1, pdu }, "mbap", 0x1234)).toEqual(
      Uint8Array.of(0x12, 0x34, 0, 0, 0, 7, 1, ...pdu),
    );
    expect(replyBytes({ unit: 1, pdu, line: { kind: "crc" } }, "mbap", 1)).toEqual(
      Uint8Array.of(0, 1, 0, 0, 0, 3, 1, 0x84, 0x0b),
    );
  });

  it("truncated: a well-framed MBAP message with the PDU cut short", () => {
    expect(replyBytes({ unit: 1, pdu, line: { kind: "truncated" } }, "mbap", 1)).toEqual(
      Uint8Array.of(0, 1, 0, 0, 0, 4, 1, 4, 4, 0x43),
    );
  });
});

describe("noiseBytes", () => {
  it("never contains the unit id or zero, and no prefix has a valid CRC", () => {
    for (let seed = 0; seed < 200; seed++) {
      const noise = noiseBytes(mulberry32(seed), 16, 7);
      expect(noise.includes(7)).toBe(false);
      expect(noise.includes(0)).toBe(false);
      for (let end = 4; end <= noise.length; end++) expect(hasValidCrc(noise.subarray(0, end))).toBe(false);
    }
  });
});

describe("line timing", () => {
  it("a transaction occupies the line for exactly what protocols/modbus/timing.ts says", () => {
    const line = new LineTiming(9600, 10);
    const done = line.replyDoneAt(0, 8, 9);
    expect(done).toBeCloseTo(wireTimeMs(8, 9600) + 10 + wireTimeMs(9, 9600), 9);
    // A second request sent the moment the reply ended waits for t3.5 of silence first.
    const second = line.replyDoneAt(done, 8, 9);
    expect(second - done).toBeCloseTo(pollTimeMs(9600, 2, 10), 9);
  });

  it("the turnaround never undercuts t3.5", () => {
    const line = new LineTiming(19200, 0);
    expect(line.replyDoneAt(0, 8, 9)).toBeCloseTo(wireTimeMs(17, 19200) + t35Ms(19200), 9);
  });

  it("holds the reply back on the sender's clock until the line would have delivered it", () => {
    const clock = new ManualClock();
    const sender = new ReplySender(clock, "rtu", new LineTiming(1200, 0));
    const sent: Uint8Array[] = [];
    sender.send({ unit: 1, pdu }, (bytes) => sent.push(bytes), {
      requestBytes: 8,
      requestStartMs: clock.monotonicMs(),
    });
    const due = wireTimeMs(8, 1200) + t35Ms(1200) + wireTimeMs(frame.length, 1200);
    clock.advance(Math.floor(due) - 1);
    expect(sent).toEqual([]);
    clock.advance(2);
    expect(sent).toEqual([frame]);
  });

  it("adds a fault's delay and cancels pending replies on stop", () => {
    const clock = new ManualClock();
    const sender = new ReplySender(clock, "rtu");
    const sent: Uint8Array[] = [];
    sender.send({ unit: 1, pdu, delayMs: 500 }, (bytes) => sent.push(bytes), {
      requestBytes: 8,
      requestStartMs: 0,
    });
    clock.advance(499);
    expect(sent).toEqual([]);
    sender.stop();
    clock.advance(10);
    expect(sent).toEqual([]);
  });
});
