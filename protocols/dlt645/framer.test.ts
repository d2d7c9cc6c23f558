import { describe, expect, it } from "vitest";
import { Dlt645Framer, type DiscardReason, type Dlt645Frame } from "./index.ts";

const hex = (text: string) => Uint8Array.from(text.split(" ").map((b) => Number.parseInt(b, 16)));
/** The DOMAIN.md read request and a reply holding 68 and 16 in its address and masked data. */
const request = hex("FE FE FE FE 68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16");
const tricky = hex("FE FE FE FE 68 68 16 00 00 00 00 68 91 07 33 33 36 35 9B 68 16 D0 16");

function collect() {
  const frames: Dlt645Frame[] = [];
  const discarded: Array<[DiscardReason, number]> = [];
  const framer = new Dlt645Framer({
    frame: (frame) => frames.push(frame),
    discarded: (bytes, reason) => discarded.push([reason, bytes.length]),
  });
  return { framer, frames, discarded, addresses: () => frames.map((f) => f.address) };
}

describe("DL/T 645 stream framer", () => {
  it("frames a reply split across reads at every possible point", () => {
    for (let cut = 1; cut < tricky.length; cut++) {
      const { framer, addresses } = collect();
      framer.push(tricky.subarray(0, cut));
      framer.push(tricky.subarray(cut));
      expect(addresses()).toEqual(["000000001668"]);
      expect(framer.pending).toBe(0);
    }
  });
  it("delivers two frames that arrive in one read, in order", () => {
    const { framer, addresses } = collect();
    const both = new Uint8Array(request.length + tricky.length);
    both.set(request);
    both.set(tricky, request.length);
    framer.push(both);
    expect(addresses()).toEqual(["000000000001", "000000001668"]);
    expect(framer.counters).toMatchObject({ frames: 2, wakeUpBytes: 8, discardedBytes: 0 });
  });
  it("finds frames by length, not by the 16 inside masked data", () => {
    const { framer, frames } = collect();
    framer.push(tricky);
    expect(frames).toHaveLength(1);
    expect([...frames[0]!.data]).toEqual([0x00, 0x00, 0x03, 0x02, 0x68, 0x35, 0xe3]);
  });
  it("skips garbage and counts it", () => {
    const { framer, addresses, discarded } = collect();
    framer.push(hex("00 13 77"));
    framer.push(request);
    expect(addresses()).toEqual(["000000000001"]);
    expect(discarded).toEqual([["garbage", 3]]);
    expect(framer.counters.discardedBytes).toBe(3);
  });
  it("resynchronises after a bad checksum and keeps the next frame", () => {
    const { framer, addresses, discarded } = collect();
    const corrupt = request.slice();
    corrupt[18] = 0xb4;
    framer.push(corrupt);
    framer.push(tricky);
    expect(addresses()).toEqual(["000000001668"]);
    expect(framer.counters.badChecksums).toBe(1);
    expect(discarded[0]).toEqual(["checksum", 1]);
    expect(framer.pending).toBe(0);
  });
  it("finds a real frame behind a false start whose 68 .. 68 header is noise", () => {
    const { framer, addresses } = collect();
    // A stray 68 seven bytes before the real frame's 68 makes a false header with L = 0x11 (the real C).
    const noise = hex("68 00 00 FE FE FE FE");
    const chunk = new Uint8Array(noise.length + request.length);
    chunk.set(noise);
    chunk.set(request, noise.length);
    framer.push(chunk);
    expect(addresses()).toEqual(["000000000001"]);
  });
  it("gives up on a stalled partial frame when told the reply timed out", () => {
    const { framer, addresses } = collect();
    framer.push(hex("68 01 02 03 04 05 06 68 91 C8"));
    expect(framer.pending).toBe(10);
    framer.resync();
    // The header's second 68 is the next candidate; the real frame after it still comes through.
    expect(framer.pending).toBe(3);
    framer.push(request);
    expect(addresses()).toEqual(["000000000001"]);
  });
});
