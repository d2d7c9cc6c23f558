/**
 * The way out for a slave's reply: framing (RTU or MBAP), line corruption from faults, and timing
 * (fault delays and the wire time of a simulated line). Shared by the TCP and serial servers.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import { withCrc } from "../../protocols/modbus/crc.ts";
import { encodeMbap } from "../../protocols/modbus/framing.ts";
import { ExceptionCode, exceptionPdu } from "../../protocols/modbus/pdu.ts";
import type { SlaveReply } from "../core/sim-bus.ts";
import type { LineTiming } from "./line-timing.ts";

/** `rtu`: unit + PDU + CRC (serial lines, RTU over TCP). `mbap`: Modbus TCP. */
export type Framing = "rtu" | "mbap";

/** Half a frame, at least one byte and always short of the whole. */
function keepOf(length: number, keepBytes: number | undefined): number {
  return Math.max(1, Math.min(length - 1, keepBytes ?? Math.floor(length / 2)));
}

/**
 * The bytes a reply puts on the wire, or `undefined` for silence.
 * On Modbus TCP there is no CRC and no raw line: `crc` and `garbage` happen on the serial side of a
 * simulated TCP-to-RTU converter, which answers exception 0B (gateway target device failed to respond,
 * DOMAIN.md section 6); `truncated` sends a well-framed MBAP message with the PDU cut short.
 */
export function replyBytes(reply: SlaveReply, framing: Framing, transactionId = 0): Uint8Array | undefined {
  if ("silent" in reply) return undefined;
  const line = reply.line;
  if (framing === "mbap") {
    switch (line?.kind) {
      case undefined:
        return encodeMbap(transactionId, reply.unit, reply.pdu);
      case "crc":
      case "garbage":
        return encodeMbap(
          transactionId,
          reply.unit,
          exceptionPdu((reply.pdu[0] ?? 0) & 0x7f, ExceptionCode.GatewayTargetFailed),
        );
      case "truncated":
        return encodeMbap(
          transactionId,
          reply.unit,
          reply.pdu.slice(0, keepOf(reply.pdu.length, line.keepBytes)),
        );
    }
  }
  const frame = withCrc(Uint8Array.of(reply.unit, ...reply.pdu));
  switch (line?.kind) {
    case undefined:
      return frame;
    case "crc":
      // Flipping every bit of the CRC's high byte can never leave it valid.
      frame[frame.length - 1]! ^= 0xff;
      return frame;
    case "truncated":
      return frame.slice(0, keepOf(frame.length, line.keepBytes));
    case "garbage":
      return line.withReply ? Uint8Array.of(...line.noise, ...frame) : line.noise;
  }
}

export interface ReplyContext {
  /** MBAP transaction id to echo; 0 for RTU. */
  transactionId?: number;
  /** Size of the request frame on the wire, bytes (for line timing). */
  requestBytes: number;
  /** Monotonic ms (of the sender's clock) the request's first byte arrived. */
  requestStartMs: number;
}

/** Sends replies now or later; owns the timers so a stopping server can cancel them. */
export class ReplySender {
  private readonly timers = new Set<TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly framing: Framing,
    private readonly lineTiming?: LineTiming,
  ) {}

  send(reply: SlaveReply, out: (bytes: Uint8Array) => void, context: ReplyContext): void {
    const bytes = replyBytes(reply, this.framing, context.transactionId);
    let delayMs = "silent" in reply ? 0 : (reply.delayMs ?? 0);
    if (this.lineTiming !== undefined) {
      if (bytes === undefined) {
        this.lineTiming.unanswered(context.requestStartMs, context.requestBytes);
      } else {
        const doneAt = this.lineTiming.replyDoneAt(
          context.requestStartMs,
          context.requestBytes,
          bytes.length,
        );
        delayMs += Math.max(0, doneAt - this.clock.monotonicMs());
      }
    }
    if (bytes === undefined) return;
    if (delayMs <= 0) {
      out(bytes);
      return;
    }
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      out(bytes);
    }, delayMs);
    this.timers.add(timer);
  }

  /** Cancels replies not yet sent. */
  stop(): void {
    for (const timer of this.timers) this.clock.clearTimeout(timer);
    this.timers.clear();
  }
}
