/**
 * The requests in flight on one Modbus TCP connection, by MBAP transaction id (Modbus Messaging on
 * TCP/IP Implementation Guide v1.0b, 3.1.3: the server echoes the id, so a client may have several
 * requests outstanding and match each reply to its request by id, in whatever order they come).
 * Each request has its own reply timer: a timeout fails that request only. A reply whose id no request
 * waits for (late after its timeout, or never asked) is dropped and counted, never taken as the
 * answer to another request.
 */
import type { GatewayError } from "../../../core/errors.ts";
import type { MbapFrame } from "../framing.ts";

/** One request waiting for its reply. */
export interface InFlight {
  /** Called with the reply frame of this transaction id. */
  answer(frame: MbapFrame): void;
  /** Called with the error that ends the request (timeout, connection loss, close). */
  fail(error: GatewayError): void;
}

interface Entry {
  request: InFlight;
  timer: ReturnType<typeof setTimeout>;
}

/** Transaction ids are 16 bits (MBAP header bytes 0-1). */
const idSpace = 0x10000;

export class MbapTransactions {
  private readonly entries = new Map<number, Entry>();
  private nextId = 1;
  /** Replies dropped because no request waited for their transaction id. */
  unmatchedReplies = 0;

  /** Requests waiting for a reply. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers a request and starts its reply timer; returns its transaction id (1..65535, then 0 and
   * round again, skipping ids still in flight). `onTimeout` gives the error the request fails with.
   * @param timeoutMs reply timeout, real ms (1..30000)
   */
  add(request: InFlight, timeoutMs: number, onTimeout: (transactionId: number) => GatewayError): number {
    let id = this.nextId;
    while (this.entries.has(id)) id = (id + 1) % idSpace;
    this.nextId = (id + 1) % idSpace;
    const timer = setTimeout(() => {
      this.entries.delete(id);
      request.fail(onTimeout(id));
    }, timeoutMs);
    this.entries.set(id, { request, timer });
    return id;
  }

  /** Hands a reply to the request waiting for its id; drops and counts it when none waits. */
  dispatch(frame: MbapFrame): void {
    const entry = this.entries.get(frame.transactionId);
    if (entry === undefined) {
      this.unmatchedReplies += 1;
      return;
    }
    this.entries.delete(frame.transactionId);
    clearTimeout(entry.timer);
    entry.request.answer(frame);
  }

  /** Fails every request in flight with `error` (the connection ended or was closed). */
  failAll(error: GatewayError): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.request.fail(error);
    }
  }
}
