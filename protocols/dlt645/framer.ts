/**
 * Stream framer for DL/T 645 (STYLE.md principle 2). Finds frames by their L byte, never by scanning for
 * 16: after the +0x33 mask, data bytes are often 68 or 16 (DOMAIN.md section 5). Skips any number of FE
 * wake-up bytes, drops garbage, and after a bad checksum resynchronises at the next 68 after the rejected
 * one, so a real frame hidden behind a false start is still found.
 */
import { frameStart, parseFrameAt, wakeUpByte, type Dlt645Frame, type FrameDefect } from "./frame.ts";

/** Why the framer dropped bytes: garbage between frames, a rejected frame candidate, or a reset. */
export type DiscardReason = "garbage" | FrameDefect | "reset";

/** Callbacks of {@link Dlt645Framer}. */
export interface Dlt645FramerEvents {
  /** A whole frame with a valid checksum and end byte; `raw` is its bytes from 68 to 16. */
  frame(frame: Dlt645Frame, raw: Uint8Array): void;
  /** Bytes dropped while resynchronising (FE wake-up bytes are expected and not reported). */
  discarded?(bytes: Uint8Array, reason: DiscardReason): void;
}

/** What the framer has seen since it was made; counts only grow. */
export interface Dlt645FramerCounters {
  /** Valid frames delivered. */
  frames: number;
  /** FE wake-up bytes skipped. */
  wakeUpBytes: number;
  /** Bytes dropped that were neither FE nor part of a valid frame (noise, rejected candidates, resets). */
  discardedBytes: number;
  /** Frame candidates rejected for a bad checksum. */
  badChecksums: number;
  /** Frame candidates rejected for a missing second 68 or a missing 16. */
  badFrames: number;
}

/** Feed it chunks as they arrive; it calls `frame` for each whole frame, in order. */
export class Dlt645Framer {
  private buffer = new Uint8Array(0);
  readonly counters: Dlt645FramerCounters = {
    frames: 0,
    wakeUpBytes: 0,
    discardedBytes: 0,
    badChecksums: 0,
    badFrames: 0,
  };

  constructor(private readonly events: Dlt645FramerEvents) {}

  /** Appends a chunk and delivers every frame now complete. */
  push(chunk: Uint8Array): void {
    const merged = new Uint8Array(this.buffer.length + chunk.length);
    merged.set(this.buffer);
    merged.set(chunk, this.buffer.length);
    this.buffer = merged;
    this.drain();
  }

  /** Bytes buffered and not yet framed (a partial frame). */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Gives up on the partial frame at the head (call when a reply timed out): drops its first byte and
   * looks again, so a real frame behind a false start with a large L byte is still found.
   */
  resync(): void {
    if (this.buffer.length === 0) return;
    this.drop(0, 1, "reset");
    this.buffer = this.buffer.subarray(1);
    this.drain();
  }

  /** Drops everything buffered (a new transaction on a line with stale bytes). */
  reset(): void {
    if (this.buffer.length > 0) this.drop(0, this.buffer.length, "reset");
    this.buffer = new Uint8Array(0);
  }

  private drain(): void {
    let at = 0;
    let garbageFrom = -1;
    const flushGarbage = (): void => {
      if (garbageFrom >= 0) this.drop(garbageFrom, at, "garbage");
      garbageFrom = -1;
    };
    while (at < this.buffer.length) {
      const byte = this.buffer[at];
      if (byte !== frameStart) {
        if (byte === wakeUpByte) {
          flushGarbage();
          this.counters.wakeUpBytes++;
        } else if (garbageFrom < 0) garbageFrom = at;
        at++;
        continue;
      }
      flushGarbage();
      const parsed = parseFrameAt(this.buffer, at);
      if (parsed.kind === "incomplete") break;
      if (parsed.kind === "invalid") {
        if (parsed.defect === "checksum") this.counters.badChecksums++;
        else this.counters.badFrames++;
        this.drop(at, at + 1, parsed.defect);
        at++;
        continue;
      }
      this.counters.frames++;
      this.events.frame(parsed.frame, this.buffer.slice(at, parsed.end));
      at = parsed.end;
    }
    flushGarbage();
    this.buffer = this.buffer.slice(at);
  }

  private drop(from: number, to: number, reason: DiscardReason): void {
    this.counters.discardedBytes += to - from;
    this.events.discarded?.(this.buffer.slice(from, to), reason);
  }
}
