/**
 * The DL/T 645 link over a byte stream (serial device, pty, or transparent TCP converter): a request
 * writes one frame and collects bytes through the codec's framer until the reply for that address
 * arrives. Every step is bounded: open and close by their timeouts, the write by its own, the reply by
 * the request's timeout plus the request's time on the wire. Bytes that arrive while no request waits
 * (a late reply to a request that timed out) are dropped, and the framer is reset before each request,
 * so a late reply is never taken as the answer to the next one.
 */
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import {
  Dlt645Framer,
  decodeErrorByte,
  encodeFrame,
  parseControl,
  wildcardAddress,
  type DiscardReason,
  type Dlt645Frame,
} from "../index.ts";
import type { ByteStream } from "./byte-stream.ts";
import { describeDlt645Endpoint, type Dlt645Endpoint, type Dlt645LinkOptions } from "./endpoint.ts";
import { wireMs } from "./line-timing.ts";
import type { Dlt645Link } from "./link.ts";
import { SerialByteStream } from "./serial-stream.ts";
import { TcpByteStream } from "./tcp-stream.ts";

const defaults: Required<Dlt645LinkOptions> = {
  connectTimeoutMs: 3000,
  closeTimeoutMs: 500,
  keepAliveMs: 10_000,
  writeTimeoutMs: 2000,
};

/** The request waiting for its reply, and what the line did meanwhile. */
interface Pending {
  readonly frame: Dlt645Frame;
  readonly accept: (reply: Dlt645Frame) => boolean;
  readonly settle: (outcome: { reply: Dlt645Frame } | { error: GatewayError }) => void;
  readonly defects: Set<DiscardReason>;
}

export class StreamDlt645Link implements Dlt645Link {
  readonly description: string;
  private readonly framer: Dlt645Framer;
  private pending: Pending | undefined;
  private loss: GatewayError | undefined;
  /** Frames that arrived with no request waiting for them, or that the waiting request refused. */
  staleFrames = 0;

  constructor(
    private readonly endpoint: Dlt645Endpoint,
    private readonly stream: ByteStream,
    private readonly options: Required<Dlt645LinkOptions>,
  ) {
    this.description = describeDlt645Endpoint(endpoint);
    this.framer = new Dlt645Framer({
      frame: (frame) => this.received(frame),
      discarded: (_bytes, reason) => this.pending?.defects.add(reason),
    });
  }

  get isOpen(): boolean {
    return this.stream.isOpen && this.loss === undefined;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    await this.stream.close();
    this.loss = undefined;
    this.framer.reset();
    this.stream.onData((chunk) => this.chunk(chunk));
    this.stream.onLoss((loss) => {
      this.loss = loss;
      this.pending?.settle({ error: loss });
    });
    await this.stream.open();
  }

  async close(): Promise<void> {
    this.pending?.settle({
      error: new GatewayError(
        ErrorCode.PortClosed,
        `${this.description} closed while a request was waiting for its reply`,
      ),
    });
    await this.stream.close();
  }

  request(
    frame: Dlt645Frame,
    timeoutMs: number,
    accept: (reply: Dlt645Frame) => boolean = () => true,
  ): Promise<Dlt645Frame> {
    if (this.loss !== undefined) return Promise.reject(this.loss);
    if (!this.stream.isOpen)
      return Promise.reject(new GatewayError(ErrorCode.PortClosed, `${this.description} is not open`));
    if (this.pending !== undefined)
      return Promise.reject(
        new GatewayError(ErrorCode.Internal, `${this.description}: a request is already waiting`),
      );
    // Whatever is buffered belongs to an earlier exchange that was given up.
    this.framer.reset();
    const bytes = encodeFrame(frame);
    const waitMs = timeoutMs + wireMs(this.endpoint, bytes.length);
    return new Promise<Dlt645Frame>((resolve, reject) => {
      const timer = setTimeout(
        () => this.pending?.settle({ error: this.timeoutError(pending, waitMs) }),
        waitMs,
      );
      const pending: Pending = {
        frame,
        accept,
        defects: new Set(),
        settle: (outcome) => {
          if (this.pending !== pending) return;
          this.pending = undefined;
          clearTimeout(timer);
          if ("reply" in outcome) resolve(outcome.reply);
          else reject(outcome.error);
        },
      };
      this.pending = pending;
      this.stream
        .write(bytes, this.options.writeTimeoutMs)
        .catch((error: unknown) => pending.settle({ error: asGatewayError(error, this.description) }));
    });
  }

  async broadcast(frame: Dlt645Frame, timeoutMs: number): Promise<void> {
    if (this.loss !== undefined) throw this.loss;
    const bytes = encodeFrame(frame);
    await this.stream.write(bytes, Math.min(timeoutMs, this.options.writeTimeoutMs));
    // No meter answers; the line is busy until the last byte left (drain may return earlier on USB).
    const onWire = wireMs(this.endpoint, bytes.length);
    if (onWire > 0) await new Promise((resolve) => setTimeout(resolve, onWire));
  }

  private chunk(chunk: Uint8Array): void {
    const pending = this.pending;
    this.framer.push(chunk);
    // A frame whose checksum failed, with nothing left buffered: the reply was garbled, and no other
    // reply will come for this request. Say so now rather than after the whole timeout.
    if (
      pending !== undefined &&
      this.pending === pending &&
      pending.defects.has("checksum") &&
      this.framer.pending === 0
    ) {
      pending.settle({ error: this.lineError(ErrorCode.CrcError, "reply failed its checksum", pending) });
    }
  }

  private received(reply: Dlt645Frame): void {
    const pending = this.pending;
    const control = parseControl(reply.control);
    // Our own request echoed by an adapter, or a frame between other parties: not a reply to us.
    if (!control.fromMeter) return;
    if (pending === undefined) {
      this.staleFrames += 1;
      return;
    }
    const request = pending.frame;
    if (control.func !== (request.control & 0x1f) || !pending.accept(reply)) {
      this.staleFrames += 1;
      return;
    }
    if (request.address !== wildcardAddress && reply.address !== request.address) {
      pending.settle({
        error: this.lineError(
          ErrorCode.WrongUnit,
          `reply came from meter ${reply.address}, not ${request.address}`,
          pending,
          {
            replyAddress: reply.address,
          },
        ),
      });
      return;
    }
    if (control.error) {
      pending.settle({ error: meterErrorReply(reply, request) });
      return;
    }
    pending.settle({ reply });
  }

  /** Nothing usable arrived in time; what did arrive tells silence from a truncated or mangled reply. */
  private timeoutError(pending: Pending, waitMs: number): GatewayError {
    if (this.framer.pending > 0)
      return this.lineError(
        ErrorCode.ShortReply,
        `reply cut short (${this.framer.pending} bytes of a frame)`,
        pending,
      );
    if (pending.defects.has("checksum"))
      return this.lineError(ErrorCode.CrcError, "reply failed its checksum", pending);
    if (pending.defects.size > 0)
      return this.lineError(ErrorCode.BadReply, "unparseable bytes on the line", pending);
    return this.lineError(ErrorCode.Timeout, `no reply within ${Math.round(waitMs)} ms`, pending);
  }

  private lineError(
    code: ErrorCode,
    what: string,
    pending: Pending,
    extra: Record<string, unknown> = {},
  ): GatewayError {
    const { address, control } = pending.frame;
    return new GatewayError(code, `meter ${address}: ${what}`, {
      address,
      control,
      endpoint: this.description,
      ...extra,
    });
  }
}

/** A meter's error reply as an error: the function refused, the byte, and its reasons in plain words. */
function meterErrorReply(reply: Dlt645Frame, request: Dlt645Frame): GatewayError {
  const decoded = decodeErrorByte(reply.data[0] ?? 0);
  const hex = (n: number) => n.toString(16).padStart(2, "0").toUpperCase();
  return new GatewayError(
    ErrorCode.MeterErrorReply,
    `meter ${reply.address} refused function ${hex(request.control)} (reply ${hex(reply.control)}, error ${hex(decoded.errorByte)}): ${decoded.message}`,
    {
      address: reply.address,
      control: reply.control,
      errorByte: decoded.errorByte,
      reasons: decoded.reasons,
    },
  );
}

function asGatewayError(error: unknown, description: string): GatewayError {
  return error instanceof GatewayError
    ? error
    : new GatewayError(ErrorCode.TransportError, `${description}: ${String(error)}`, {}, { cause: error });
}

/** The default link factory: serialport for serial devices and ptys, a TCP socket for converters. */
export const streamDlt645LinkFactory = (
  endpoint: Dlt645Endpoint,
  options: Dlt645LinkOptions = {},
): Dlt645Link => {
  const bounds = { ...defaults, ...options };
  const stream =
    endpoint.kind === "serial" ? new SerialByteStream(endpoint, bounds) : new TcpByteStream(endpoint, bounds);
  return new StreamDlt645Link(endpoint, stream, bounds);
};
