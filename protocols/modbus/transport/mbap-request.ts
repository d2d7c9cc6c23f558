/**
 * One request of the MBAP client waiting for its reply: what it asked (for its checks and its errors),
 * how it settles, and its frame as it leaves (writeFrame). One object per request, with the error context built only when it fails: this
 * runs for every Modbus TCP request, and its closures and context objects were a good part of what the
 * poll path gave the garbage collector (docs/bench.md, "The poll path's garbage").
 */
import { ErrorCode, GatewayError, modbusException } from "../../../core/errors.ts";
import type { ReplyCheck } from "../client-pdu.ts";
import { writeMbapHeader, type MbapFrame } from "../framing.ts";
import type { InFlight } from "./mbap-transactions.ts";

type Context = Record<string, unknown>;

const ignore = () => {};

/** Checks a reply PDU against the request it answers. */
export type MbapReplyCheck<T> = (request: MbapRequest<T>, pdu: Uint8Array) => ReplyCheck<T>;

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

  private resolve: (value: T) => void = ignore;
  private reject: (error: GatewayError) => void = ignore;

  /** Where the outcome goes: the settlers of the promise the caller waits on. */
  settleWith(resolve: (value: T) => void, reject: (error: GatewayError) => void): void {
    this.resolve = resolve;
    this.reject = reject;
  }

  /** The request's fields as its errors carry them: fc, address, count or value, unit. */
  context(): Context {
    const { fc, address, amount, unit } = this;
    const counts = fc <= 4 || fc === 16;
    return counts ? { fc, address, count: amount, unit } : { fc, address, value: amount, unit };
  }

  answer(frame: MbapFrame): void {
    if (frame.unit !== this.unit) {
      this.reject(
        new GatewayError(
          ErrorCode.WrongUnit,
          `unit ${this.unit}: reply came from unit ${frame.unit}`,
          this.context(),
        ),
      );
      return;
    }
    const checked = this.check(this, frame.pdu);
    if (checked.kind === "value") this.resolve(checked.value);
    else this.reject(replyError(checked, this.unit, this.context()));
  }

  fail(error: GatewayError): void {
    this.reject(withContext(error, this.context()));
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
