/**
 * The way out for a DL/T 645 reply: wire bytes (4 FE wake-up bytes, as meters send), line damage from
 * faults (bad checksum, truncated, noise, split into pieces) and timing (fault delays, line timing).
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import { encodeFrame } from "../../protocols/dlt645/index.ts";
import type { DltReply } from "../dlt645/dlt-slave.ts";
import type { LineTiming } from "./line-timing.ts";

/** The reply's bytes in the pieces they go out in, and the real ms between pieces; undefined: silence. */
export function dltReplyPieces(reply: DltReply): { pieces: Uint8Array[]; gapMs: number } | undefined {
  if ("silent" in reply) return undefined;
  const frame = encodeFrame(reply.frame);
  const line = reply.line;
  switch (line?.kind) {
    case undefined:
      return { pieces: [frame], gapMs: 0 };
    case "crc":
      // Flipping every bit of the checksum byte can never leave it valid.
      frame[frame.length - 2]! ^= 0xff;
      return { pieces: [frame], gapMs: 0 };
    case "truncated": {
      const keep = Math.max(1, Math.min(frame.length - 1, line.keepBytes ?? Math.floor(frame.length / 2)));
      return { pieces: [frame.slice(0, keep)], gapMs: 0 };
    }
    case "garbage":
      return { pieces: [line.withReply ? Uint8Array.of(...line.noise, ...frame) : line.noise], gapMs: 0 };
    case "split": {
      const size = Math.ceil(frame.length / line.pieces);
      const pieces: Uint8Array[] = [];
      for (let at = 0; at < frame.length; at += size) pieces.push(frame.slice(at, at + size));
      return { pieces, gapMs: line.gapMs };
    }
  }
}

/** Sends DL/T replies now or later; owns its timers so a stopping server can cancel them. */
export class DltReplySender {
  private readonly timers = new Set<TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly lineTiming?: LineTiming,
  ) {}

  /**
   * @param requestBytes the request's size on the wire (for line timing)
   * @param requestStartMs monotonic ms its first byte arrived
   */
  send(
    reply: DltReply,
    out: (bytes: Uint8Array) => void,
    requestBytes: number,
    requestStartMs: number,
  ): void {
    const plan = dltReplyPieces(reply);
    let delayMs = "silent" in reply ? 0 : (reply.delayMs ?? 0);
    if (this.lineTiming !== undefined) {
      if (plan === undefined) this.lineTiming.unanswered(requestStartMs, requestBytes);
      else {
        const total = plan.pieces.reduce((sum, piece) => sum + piece.length, 0);
        const doneAt = this.lineTiming.replyDoneAt(requestStartMs, requestBytes, total);
        delayMs += Math.max(0, doneAt - this.clock.monotonicMs());
      }
    }
    plan?.pieces.forEach((piece, i) => this.later(delayMs + i * plan.gapMs, () => out(piece)));
  }

  private later(ms: number, run: () => void): void {
    if (ms <= 0) {
      run();
      return;
    }
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  /** Cancels replies not yet sent. */
  stop(): void {
    for (const timer of this.timers) this.clock.clearTimeout(timer);
    this.timers.clear();
  }
}
