/**
 * A lean Modbus TCP client on node:net, built on our own codecs (framing.ts, client-pdu.ts), for
 * `transport: tcp` buses. Unlike modbus-serial's TCP port, it keeps several requests in flight on one
 * connection, matched by MBAP transaction id (mbap-transactions.ts), so the requests the bus scheduler
 * lets overlap (`maxInFlight`) really do; requests issued in the same turn of the event loop leave in
 * one socket write, and the replies of one read are parsed from that one buffer by our MBAP framer.
 * Serial RTU and RTU over TCP stay on modbus-serial (modbus-serial.ts): one request at a time is all
 * an RS-485 line allows. The socket is ours as before (tcp-socket.ts): every step bounded, every way a
 * connection ends a named code, the same codes as the modbus-serial transport so counters, events and
 * /metrics read the same.
 */
import type { Socket } from "node:net";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import { writeCoilPdu, writeRegisterPdu, writeRegistersPdu } from "../client-pdu.ts";
import { MbapFramer } from "../framing.ts";
import type { BitReadFc, RegisterReadFc } from "../pdu.ts";
import {
  bitsReply,
  echoReply,
  MbapRequest,
  OutgoingFrames,
  registersReply,
  withContext,
  writeMultipleReply,
  type MbapReplyCheck,
} from "./mbap-request.ts";
import { MbapTransactions, type InFlight } from "./mbap-transactions.ts";
import { closeSocket, connectSocket, watchSocket } from "./tcp-socket.ts";
import type { ModbusTransport, ReplyHandler, TransportOptions } from "./transport.ts";
import { describeEndpoint } from "./transport.ts";

/** A Modbus TCP endpoint (MBAP framing). */
export type TcpEndpoint = { kind: "tcp"; host: string; port: number };
/** A promise's executor. */
type Settlers<T> = (resolve: (value: T) => void, reject: (error: GatewayError) => void) => void;

/**
 * The one buffer every MBAP connection reads into (node:net's `onread`): a read is parsed to its end
 * before the next read of any connection starts (one thread), and the framer copies a frame split
 * across reads. A Buffer and a Readable 'data' event per read were a good part of the poll path's
 * garbage, and 100 connections' own read buffers would be 100 times this. Made at the first connection.
 */
let sharedReadBuffer: Buffer | undefined;
const readBufferBytes = 64 * 1024;
const defaults: Required<TransportOptions> = {
  connectTimeoutMs: 3000,
  closeTimeoutMs: 500,
  keepAliveMs: 10_000,
};

export class MbapTcpTransport implements ModbusTransport {
  readonly description: string;
  /**
   * Every request settles within its reply timeout by this transport's own timer (or at once when the
   * connection ends): the bus needs no guard timer of its own per request (gateway/bus/link.ts).
   */
  readonly boundsRequests = true;
  private readonly options: Required<TransportOptions>;
  private socket: Socket | undefined;
  private framer: MbapFramer | undefined;
  private readonly timeoutOf = (request: InFlight, transactionId: number) =>
    this.timeoutError(request, transactionId);
  private transactions = new MbapTransactions(this.timeoutOf);
  /** How the current connection ended (closed, reset, garbled); undefined while it is up. */
  private loss: GatewayError | undefined;
  private opening: Promise<void> | undefined;
  /** Requests waiting for the end of this turn, to leave in one write. */
  private readonly outgoing = new OutgoingFrames();
  /** Replies dropped on earlier connections (see {@link unmatchedReplies}). */
  private unmatchedBefore = 0;

  constructor(
    private readonly endpoint: TcpEndpoint,
    options: TransportOptions = {},
  ) {
    this.description = describeEndpoint(endpoint);
    this.options = { ...defaults, ...options };
  }

  get isOpen(): boolean {
    return this.socket !== undefined && this.loss === undefined && !this.socket.destroyed;
  }

  /** Replies dropped since this transport was made: their transaction id had no request waiting. */
  get unmatchedReplies(): number {
    return this.unmatchedBefore + this.transactions.unmatchedReplies;
  }

  /** Requests waiting for their reply on the current connection. */
  get inFlight(): number {
    return this.transactions.size;
  }

  /** Connects within connectTimeoutMs (concurrent callers share one attempt). */
  open(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    this.opening ??= this.connect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async connect(): Promise<void> {
    await this.close();
    this.loss = undefined;
    const transactions = new MbapTransactions(this.timeoutOf);
    const framer: MbapFramer = new MbapFramer(
      (frame) => transactions.dispatch(frame),
      // MBAP has no start marker to resynchronise on: a garbled header leaves the stream unreadable.
      (reason) => {
        const socket = this.socket;
        if (socket === undefined || this.framer !== framer) return;
        this.lost(
          new GatewayError(ErrorCode.TransportError, `${this.description}: ${reason}; reconnecting`, {
            endpoint: this.description,
          }),
        );
        socket.destroy();
      },
    );
    const socket = await connectSocket({
      host: this.endpoint.host,
      port: this.endpoint.port,
      description: this.description,
      connectTimeoutMs: this.options.connectTimeoutMs,
      keepAliveMs: this.options.keepAliveMs,
      onread: {
        buffer: (sharedReadBuffer ??= Buffer.allocUnsafe(readBufferBytes)),
        callback: (bytes, buffer) => {
          framer.push(buffer, bytes);
          return true;
        },
      },
    });
    this.unmatchedBefore += this.transactions.unmatchedReplies;
    this.transactions = transactions;
    watchSocket(socket, this.description, (loss) => {
      if (this.socket === socket) this.lost(loss);
    });
    this.socket = socket;
    this.framer = framer;
  }

  private lost(loss: GatewayError): void {
    this.loss = loss;
    this.outgoing.clear();
    this.transactions.failAll(loss);
  }

  /** Closes within closeTimeoutMs whatever the peer does; fails the requests in flight; never rejects. */
  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.framer = undefined;
    this.outgoing.clear();
    this.transactions.failAll(
      new GatewayError(
        ErrorCode.PortClosed,
        `${this.description} closed while a request was waiting for its reply`,
      ),
    );
    if (socket !== undefined) await closeSocket(socket, this.options.closeTimeoutMs);
  }

  readRegisters(
    unit: number,
    fc: RegisterReadFc,
    address: number,
    count: number,
    timeoutMs: number,
    into?: number[],
  ): Promise<number[]> {
    return this.request(unit, fc, address, count, undefined, registersReply, timeoutMs, into);
  }

  /**
   * See ModbusTransport.readRegistersTo. On a connection that is up, the request and its handler are all
   * it makes; otherwise it goes the promise's way (which opens the connection, or fails with its loss).
   */
  readRegistersTo(
    unit: number,
    fc: RegisterReadFc,
    address: number,
    count: number,
    timeoutMs: number,
    into: number[] | undefined,
    handler: ReplyHandler<number[]>,
  ): void {
    if (!this.isOpen) {
      this.readRegisters(unit, fc, address, count, timeoutMs, into).then(
        (words) => handler.answered(words),
        (error: GatewayError) => handler.failed(error),
      );
      return;
    }
    const request = new MbapRequest(unit, fc, address, count, undefined, registersReply, into);
    request.settleWith(handler);
    this.issue(request as MbapRequest<unknown>, timeoutMs);
  }

  readBits(
    unit: number,
    fc: BitReadFc,
    address: number,
    count: number,
    timeoutMs: number,
  ): Promise<boolean[]> {
    return this.request(unit, fc, address, count, undefined, bitsReply, timeoutMs);
  }

  async writeCoil(unit: number, address: number, value: boolean, timeoutMs: number): Promise<void> {
    await this.request(unit, 5, address, value, writeCoilPdu(address, value), echoReply, timeoutMs);
  }

  async writeRegister(unit: number, address: number, value: number, timeoutMs: number): Promise<void> {
    await this.request(unit, 6, address, value, writeRegisterPdu(address, value), echoReply, timeoutMs);
  }

  async writeRegisters(
    unit: number,
    address: number,
    values: readonly number[],
    timeoutMs: number,
  ): Promise<void> {
    const pdu = writeRegistersPdu(address, values);
    await this.request(unit, 16, address, values.length, pdu, writeMultipleReply, timeoutMs);
  }

  /**
   * Sends one request and settles with its checked reply, its own timeout, or the connection's end.
   * Opens the connection first if it is closed and no loss is pending (as the modbus-serial transport).
   * `pdu` is the request's PDU for writes; a read's frame is encoded here in one buffer. `into`: see
   * ModbusTransport.readRegisters.
   */
  private request<T>(
    unit: number,
    fc: number,
    address: number,
    amount: number | boolean,
    pdu: Uint8Array | undefined,
    check: MbapReplyCheck<T>,
    timeoutMs: number,
    into?: number[],
  ): Promise<T> {
    if (this.loss !== undefined) {
      const context = new MbapRequest(unit, fc, address, amount, pdu, check).context();
      return Promise.reject(withContext(this.loss, context));
    }
    if (!this.isOpen)
      return this.open().then(() => this.request(unit, fc, address, amount, pdu, check, timeoutMs, into));
    const request = new MbapRequest(unit, fc, address, amount, pdu, check, into);
    this.settling = request as MbapRequest<unknown>;
    const reply = new Promise<T>(this.bindSettlers as Settlers<T>);
    this.issue(request as MbapRequest<unknown>, timeoutMs);
    return reply;
  }

  /** Puts `request` in flight with its reply timeout and queues it for this turn's write. */
  private issue(request: MbapRequest<unknown>, timeoutMs: number): void {
    this.send(request, this.transactions.add(request, timeoutMs));
  }

  /**
   * The executor of every request's promise, made once: it hands the settlers to the request made just
   * before (`settling`), not a closure over the request's fields per request (this runs for every one).
   */
  private readonly bindSettlers: Settlers<unknown> = (resolve, reject) => {
    this.settling!.settleWith({ answered: resolve, failed: reject });
    this.settling = undefined;
  };
  private settling: MbapRequest<unknown> | undefined;

  /** Nothing complete arrived in time; part of this reply in the framer means it was cut short. */
  private timeoutError(request: InFlight, transactionId: number): GatewayError {
    const { unit } = request as MbapRequest<unknown>;
    const context = (request as MbapRequest<unknown>).context();
    if (this.framer?.partialTransactionId === transactionId)
      return new GatewayError(ErrorCode.ShortReply, `unit ${unit}: reply cut short`, context);
    return new GatewayError(ErrorCode.Timeout, `no reply from unit ${unit}`, context);
  }

  /** Queues a request; the requests queued in this turn of the event loop leave in one write. */
  private send(request: MbapRequest<unknown>, transactionId: number): void {
    if (this.outgoing.push(request, transactionId)) process.nextTick(this.flush);
  }

  private readonly flush = (): void => this.outgoing.writeTo(this.socket);
}
