/**
 * Multi-frame reads (clause 7.2.3) as a small pure state machine: a reply with D5 set (0xB1/0xB2) says
 * more follows; the master sends 0x12 follow-ups numbered 1, 2, ... and concatenates the payloads until a
 * reply without D5. No I/O: the caller sends what `next` asks for and feeds each parsed reply back.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { Dlt645Address } from "./bcd.ts";
import type { Dlt645Frame } from "./frame.ts";
import { parseReadReply, type ReadRefused } from "./replies.ts";
import { followUpFrame } from "./requests.ts";

/** What to do after a reply: send a follow-up, or the read is complete, or the meter refused. */
export type MultiFrameStep =
  | { readonly kind: "follow-up"; readonly frame: Dlt645Frame; readonly sequence: number }
  | { readonly kind: "complete"; readonly payload: Uint8Array; readonly frames: number }
  | ReadRefused;

/** Follow-ups one read may need before it is abandoned as a runaway meter. */
export const maxFollowUps = 16;

/** Collects the parts of one read of `di` from `address`. */
export class MultiFrameRead {
  private readonly parts: Uint8Array[] = [];
  private sequence = 0;

  constructor(
    readonly address: Dlt645Address,
    readonly di: number,
  ) {}

  /** Feeds the reply to the last request (the 0x11 first, then each 0x12); throws on a foreign reply. */
  accept(reply: Dlt645Frame): MultiFrameStep {
    const expected =
      this.sequence === 0
        ? { address: this.address, di: this.di }
        : { address: this.address, di: this.di, sequence: this.sequence };
    const parsed = parseReadReply(reply, expected);
    if (parsed.kind === "error") return parsed;
    this.parts.push(parsed.payload);
    if (!parsed.more) return { kind: "complete", payload: concat(this.parts), frames: this.parts.length };
    if (this.sequence >= maxFollowUps) {
      throw new GatewayError(ErrorCode.BadReply, `more than ${maxFollowUps} follow-up frames`, {
        address: this.address,
      });
    }
    this.sequence++;
    return {
      kind: "follow-up",
      frame: followUpFrame(this.address, this.di, this.sequence),
      sequence: this.sequence,
    };
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
