/**
 * One request of the MBAP client waiting for its reply: what it asked (for its checks and its errors)
 * and how it settles. One object per request, with the error context built only when it fails: this
 * runs for every Modbus TCP request, and its closures and context objects were a good part of what the
 * poll path gave the garbage collector (docs/bench.md, "The poll path's garbage").
 */
import { ErrorCode, GatewayError, modbusException } from "../../../core/errors.ts";
import type { ReplyCheck } from "../client-pdu.ts";
import type { MbapFrame } from "../framing.ts";
import type { InFlight } from "./mbap-transactions.ts";

type Context = Record<string, unknown>;

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
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: GatewayError) => void,
    readonly into?: number[],
  ) {}

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
