/**
 * One request of the MBAP client waiting for its reply: what it asked (for its checks and its errors),
 * how it settles, and its frame as it leaves (writeFrame). One object per request, with the error context built only when it fails: this
 * runs for every Modbus TCP request, and its closures and context objects were a good part of what the
 * poll path gave the garbage collector (docs/bench.md, "The poll path's garbage").
 */
import type { Socket } from "node:net";
import { ErrorCode, GatewayError, modbusException } from "../../../core/errors.ts";
import {
  checkBitsReply,
  checkEchoReply,
  checkRegistersReply,
  checkWriteMultipleReply,
  type ReplyCheck,
} from "../client-pdu.ts";
import { writeMbapHeader, type MbapFrame } from "../framing.ts";
import type { BitReadFc, RegisterReadFc } from "../pdu.ts";
import type { InFlight } from "./mbap-transactions.ts";
import type { ReplyHandler } from "./transport.ts";

type Context = Record<string, unknown>;

/** Where the outcome of a request goes before the client hands it its handler. */
const unhandled: ReplyHandler<never> = { answered: () => {}, failed: () => {} };

/** Checks a reply PDU against the request it answers. */
export type MbapReplyCheck<T> = (request: MbapRequest<T>, pdu: Uint8Array) => ReplyCheck<T>;

/** The checks of the replies to register reads, bit reads, single writes (echoes) and FC 16 writes. */
export const registersReply = (request: MbapRequest<number[]>, pdu: Uint8Array) =>
  checkRegistersReply(request.fc as RegisterReadFc, request.amount as number, pdu, request.into);
export const bitsReply = (request: MbapRequest<boolean[]>, pdu: Uint8Array) =>
  checkBitsReply(request.fc as BitReadFc, request.amount as number, pdu);
export const echoReply = (request: MbapRequest<true>, pdu: Uint8Array) => checkEchoReply(request.pdu!, pdu);
export const writeMultipleReply = (request: MbapRequest<true>, pdu: Uint8Array) =>
  checkWriteMultipleReply(request.pdu!, pdu);

/** The error a request fails with, carrying the request's own fields. */
export function withContext(error: GatewayError, context: Context): GatewayError {
  return new GatewayError(error.code, error.message, { ...error.context, ...context });
}

/** The error of a reply that is not a value. */
function replyError(check: Exclude<ReplyCheck<unknown>, { kind: "value" }>, unit: number, context: Context) {
  switch (check.kind) {
    case "exception":
      return modbusException(check.exceptionCode, context);
    case "short":
      return new GatewayError(
        ErrorCode.ShortReply,
        `unit ${unit}: reply cut short (${check.reason})`,
        context,
      );
    case "bad":
      return new GatewayError(ErrorCode.BadReply, `unit ${unit}: ${check.reason}`, context);
  }
}

export class MbapRequest<T> implements InFlight {
  /**
   * @param unit unit id asked (1..247, 0 broadcast, 255 a TCP device itself)
   * @param fc function code
   * @param address first register, coil or input address
   * @param amount registers or bits read or written (`count`), or the single value written (`value`)
   * @param pdu the request PDU, for checks that compare the reply with it (echoes)
   * @param into the array a register read's words go to (ModbusTransport.readRegisters)
   */
  constructor(
    readonly unit: number,
    readonly fc: number,
    readonly address: number,
    readonly amount: number | boolean,
    readonly pdu: Uint8Array | undefined,
    private readonly check: MbapReplyCheck<T>,
    readonly into?: number[],
  ) {}

  private handler: ReplyHandler<T> = unhandled;

  /** Where the outcome goes: the caller's handler, or the settlers of the promise it waits on. */
  settleWith(handler: ReplyHandler<T>): void {
    this.handler = handler;
  }

  /** The request's fields as its errors carry them: fc, address, count or value, unit. */
  context(): Context {
    const { fc, address, amount, unit } = this;
    const counts = fc <= 4 || fc === 16;
    return counts ? { fc, address, count: amount, unit } : { fc, address, value: amount, unit };
  }

  answer(frame: MbapFrame): void {
    if (frame.unit !== this.unit) {
      this.handler.failed(
        new GatewayError(
          ErrorCode.WrongUnit,
          `unit ${this.unit}: reply came from unit ${frame.unit}`,
          this.context(),
        ),
      );
      return;
    }
    const checked = this.check(this, frame.pdu);
    if (checked.kind === "value") this.handler.answered(checked.value);
    else this.handler.failed(replyError(checked, this.unit, this.context()));
  }

  fail(error: GatewayError): void {
    this.handler.failed(withContext(error, this.context()));
  }
}

/**
 * Requests waiting for the end of this turn, to leave in one write, and their transaction ids: encoded
 * together into one buffer then, not a buffer per request and a copy of them all.
 */
export class OutgoingFrames {
  private readonly requests: Array<MbapRequest<unknown>> = [];
  private readonly ids: number[] = [];

  /** Queues a request; true when it is the first of this turn (the caller then arranges the write). */
  push(request: MbapRequest<unknown>, transactionId: number): boolean {
    this.requests.push(request);
    this.ids.push(transactionId);
    return this.requests.length === 1;
  }

  clear(): void {
    this.requests.length = 0;
    this.ids.length = 0;
  }

  /** Writes the queued frames in one buffer; a connection that ended in this turn failed them already. */
  writeTo(socket: Socket | undefined): void {
    const { requests, ids } = this;
    if (socket === undefined || socket.destroyed) {
      this.clear();
      return;
    }
    let bytes = 0;
    for (const request of requests) bytes += 7 + pduBytes(request);
    const out = Buffer.allocUnsafe(bytes);
    let at = 0;
    for (let i = 0; i < requests.length; i++) at = writeFrame(out, at, ids[i]!, requests[i]!);
    this.clear();
    socket.write(out);
  }
}

/** Bytes of a request's PDU: its own for a write, 5 for a read (FC 01-04: fc, address, count). */
export const pduBytes = (request: MbapRequest<unknown>) => request.pdu?.length ?? 5;

/** Writes `request`'s MBAP frame with `transactionId` into `out` at `at`; returns the end. */
export function writeFrame(
  out: Buffer,
  at: number,
  transactionId: number,
  request: MbapRequest<unknown>,
): number {
  const { unit, fc, address, amount, pdu } = request;
  writeMbapHeader(out, at, transactionId, unit, pduBytes(request));
  if (pdu !== undefined) {
    out.set(pdu, at + 7);
    return at + 7 + pdu.length;
  }
  out[at + 7] = fc;
  out.writeUInt16BE(address, at + 8);
  out.writeUInt16BE(amount as number, at + 10);
  return at + 12;
}
