/**
 * The meters of one bus acting as DL/T 645 slaves: a request frame in, the reply frames (with the
 * addressed meter's reply faults) out. The DL/T counterpart of SimBus.handle, sharing its meters, write
 * log and fault plans; meters are found by their 12-digit address, not a unit id.
 */
import {
  FunctionCode,
  addressMatches,
  broadcastAddress,
  errorReplyFrame,
  parseRequest,
  readAddressReplyFrame,
  readReplyFrame,
  ackReplyFrame,
  type Dlt645Frame,
  type Dlt645Request,
} from "../../protocols/dlt645/index.ts";
import { noiseBytes } from "../faults/line-noise.ts";
import type { LineCorruption, SimBus } from "../core/sim-bus.ts";
import { broadcastTime, relayControl, write, type CommandOutcome, type DltHooks } from "./dlt-commands.ts";
import { DltSimMeter } from "./dlt-meter.ts";
import { readPayload } from "./read-data.ts";

/** Damage to a DL/T reply: the shared line faults, or the reply sent in pieces (`split`). */
export type DltLineFault = LineCorruption | { kind: "split"; pieces: number; gapMs: number };

/** What goes back on the line: nothing, or a frame (possibly late, damaged or from the wrong address). */
export type DltReply = { silent: true } | { frame: Dlt645Frame; delayMs?: number; line?: DltLineFault };

const errOther = 0x01;
const errNoData = 0x02;

/** The next address up (wrapping), for the wrong-address fault. */
export function neighbourAddress(address: string): string {
  const next = (BigInt(address.replace(/A/g, "0")) + 1n) % 1_000_000_000_000n;
  return next.toString().padStart(12, "0");
}

export class DltSlave {
  constructor(
    private readonly bus: SimBus,
    private readonly hooks: DltHooks,
  ) {}

  private get meters(): DltSimMeter[] {
    return [...this.bus.meters.values()].filter((m): m is DltSimMeter => m instanceof DltSimMeter);
  }

  /** Answers one request frame. */
  handle(frame: Dlt645Frame): DltReply {
    this.bus.beforeRequest?.();
    const request = parseRequest(frame);
    if (request.kind === "broadcast-time") {
      for (const meter of this.meters) {
        if (meter.faults.has("offline"))
          this.log(meter, request, { result: "lost", detail: { time: request.time } });
        else this.log(meter, request, broadcastTime(meter, request.time, this.hooks));
      }
      return { silent: true };
    }
    if (frame.address === broadcastAddress) return { silent: true };
    // A meter that is off the bus cannot collide with the others on a wildcard.
    const matching = this.meters.filter((m) => addressMatches(m.address, frame.address));
    const targets = matching.length > 1 ? matching.filter((m) => !m.faults.has("offline")) : matching;
    const meter = targets[0];
    if (meter === undefined) return { silent: true };
    if (targets.length > 1) {
      // Several meters answer a wildcard at once: their replies collide into noise on the line.
      return {
        frame: readAddressReplyFrame(meter.address),
        line: { kind: "garbage", noise: noiseBytes(meter.random, 16, 0x68), withReply: false },
      };
    }
    return this.answer(meter, request);
  }

  private answer(meter: DltSimMeter, request: Dlt645Request): DltReply {
    const plan = meter.faults.plan(meter.unit);
    if (plan.drop === "offline") {
      this.logIfWrite(meter, request, { result: "lost", detail: {} });
      return { silent: true };
    }
    let reply: Dlt645Frame;
    if (plan.exception !== undefined) {
      this.logIfWrite(meter, request, { result: "refused", errorByte: plan.exception, detail: {} });
      reply = errorReplyFrame(meter.address, funcOf(request), plan.exception);
    } else reply = this.execute(meter, request);
    if (plan.drop === "no-reply") return { silent: true };
    if (plan.replyUnit !== undefined) reply = { ...reply, address: neighbourAddress(meter.address) };
    const split = plan.line === undefined ? meter.faults.get("split") : undefined;
    if (split !== undefined) split.hits += 1;
    const line: DltLineFault | undefined =
      plan.line?.kind === "garbage"
        ? {
            kind: "garbage",
            // Noise without 68 cannot open a false frame: the master only counts garbage.
            noise: noiseBytes(meter.random, plan.line.bytes, 0x68),
            withReply: plan.line.withReply,
          }
        : (plan.line ??
          (split?.spec.kind === "split"
            ? { kind: "split", pieces: split.spec.pieces, gapMs: split.spec.gapMs }
            : undefined));
    return {
      frame: reply,
      ...(plan.delayMs === undefined ? {} : { delayMs: plan.delayMs }),
      ...(line === undefined ? {} : { line }),
    };
  }

  private execute(meter: DltSimMeter, request: Dlt645Request): Dlt645Frame {
    const address = meter.address;
    switch (request.kind) {
      case "read":
        return this.read(meter, request.di);
      case "read-follow-up":
        return this.followUp(meter, request.di, request.sequence);
      case "read-address":
        return readAddressReplyFrame(address);
      case "write":
      case "relay-control": {
        const outcome =
          request.kind === "write" ? write(meter, request) : relayControl(meter, request, this.hooks);
        this.log(meter, request, outcome);
        const func = request.kind === "write" ? FunctionCode.write : FunctionCode.relayControl;
        return outcome.errorByte === undefined
          ? ackReplyFrame(address, func)
          : errorReplyFrame(address, func, outcome.errorByte);
      }
      case "broadcast-time":
      case "malformed":
      case "unsupported":
        return errorReplyFrame(address, funcOf(request), errOther);
    }
  }

  /** A read: the whole payload in 0x91, or the first part in 0xB1 when it exceeds the meter's limit. */
  private read(meter: DltSimMeter, di: number): Dlt645Frame {
    meter.pendingRead = undefined;
    const payload = readPayload(meter, di);
    if (payload === undefined) return errorReplyFrame(meter.address, FunctionCode.read, errNoData);
    const size = meter.config.maxPayloadBytes;
    if (payload.length <= size) return readReplyFrame(meter.address, di, payload);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < payload.length; at += size) chunks.push(payload.slice(at, at + size));
    meter.pendingRead = { di, chunks: chunks.slice(1), nextSequence: 1 };
    return readReplyFrame(meter.address, di, chunks[0]!, { more: true });
  }

  /** A 0x12 follow-up: the next part with the sequence echoed (0xB2 while more follows, 0x92 last). */
  private followUp(meter: DltSimMeter, di: number, sequence: number): Dlt645Frame {
    const pending = meter.pendingRead;
    if (pending !== undefined && pending.di === di >>> 0 && pending.last?.sequence === sequence) {
      // The master lost our reply and asks again with the same sequence: the same part again.
      return readReplyFrame(meter.address, di, pending.last.chunk, { more: pending.last.more, sequence });
    }
    const chunk = pending?.chunks[0];
    if (
      pending === undefined ||
      chunk === undefined ||
      pending.di !== di >>> 0 ||
      pending.nextSequence !== sequence
    ) {
      return errorReplyFrame(meter.address, FunctionCode.readFollowUp, errNoData);
    }
    pending.chunks.shift();
    pending.nextSequence++;
    const more = pending.chunks.length > 0;
    pending.last = { sequence, chunk, more };
    return readReplyFrame(meter.address, di, chunk, { more, sequence });
  }

  private logIfWrite(meter: DltSimMeter, request: Dlt645Request, outcome: CommandOutcome): void {
    if (request.kind === "write" || request.kind === "relay-control") this.log(meter, request, outcome);
  }

  private log(meter: DltSimMeter, request: Dlt645Request, outcome: CommandOutcome): void {
    const func = funcOf(request);
    this.bus.recordWrite({
      unit: meter.unit,
      fc: func,
      address: request.kind === "write" ? request.di : 0,
      value: request.kind === "relay-control" ? (request.body[0] ?? 0) : 0,
      result: outcome.result,
      dlt645: {
        meterAddress: meter.address,
        ...outcome.detail,
        ...(func === FunctionCode.broadcastTime
          ? {}
          : {
              reply:
                outcome.errorByte === undefined
                  ? "ok"
                  : `error ${outcome.errorByte.toString(16).padStart(2, "0")}`,
            }),
      },
    });
  }
}

function funcOf(request: Dlt645Request): number {
  switch (request.kind) {
    case "read":
      return FunctionCode.read;
    case "read-follow-up":
      return FunctionCode.readFollowUp;
    case "read-address":
      return FunctionCode.readAddress;
    case "broadcast-time":
      return FunctionCode.broadcastTime;
    case "write":
      return FunctionCode.write;
    case "relay-control":
      return FunctionCode.relayControl;
    case "malformed":
    case "unsupported":
      return request.func & 0x1f;
  }
}
