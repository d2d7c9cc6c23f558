/**
 * The requests in flight on one Modbus TCP connection, by MBAP transaction id (Modbus Messaging on
 * TCP/IP Implementation Guide v1.0b, 3.1.3: the server echoes the id, so a client may have several
 * requests outstanding and match each reply to its request by id, in whatever order they come).
 * Each request has its own reply timeout: a timeout fails that request only. A reply whose id no request
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

/** Transaction ids are 16 bits (MBAP header bytes 0-1). */
const idSpace = 0x10000;

/**
 * The reply timers are one timer per connection, armed for the earliest deadline, not one per
 * request: a Node timer per request was a good part of what every Modbus TCP request allocated (the
 * garbage collector's share of the poll path, docs/bench.md). A request answered in time leaves the
 * timer as it is; when it fires it fails what is due and arms itself for the next deadline.
 */
export class MbapTransactions {
  /**
   * The requests in flight, their transaction ids and deadlines (monotonic ms, performance.now) in
   * three parallel arrays: at most `maxInFlight` (1..64) long, searched by id. A Map per connection
   * reallocated its table as it went from one entry to none on every request.
   */
  private readonly requests: InFlight[] = [];
  private readonly ids: number[] = [];
  private readonly deadlines: number[] = [];
  private nextId = 1;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When {@link timer} fires (monotonic ms); Infinity when none is set. */
  private timerDue = Infinity;
  /** Replies dropped because no request waited for their transaction id. */
  unmatchedReplies = 0;

  /** @param timeoutError the error a request fails with when its reply timeout passes */
  constructor(private readonly timeoutError: (request: InFlight, transactionId: number) => GatewayError) {}

  /** Requests waiting for a reply. */
  get size(): number {
    return this.requests.length;
  }

  /**
   * Registers a request and starts its reply timeout; returns its transaction id (1..65535, then 0
   * and round again, skipping ids still in flight).
   * @param timeoutMs reply timeout, real ms (1..30000)
   */
  add(request: InFlight, timeoutMs: number): number {
    let id = this.nextId;
    while (this.ids.includes(id)) id = (id + 1) % idSpace;
    this.nextId = (id + 1) % idSpace;
    const deadline = performance.now() + timeoutMs;
    this.requests.push(request);
    this.ids.push(id);
    this.deadlines.push(deadline);
    if (deadline < this.timerDue) this.arm(deadline);
    else this.timer?.ref();
    return id;
  }

  /** Hands a reply to the request waiting for its id; drops and counts it when none waits. */
  dispatch(frame: MbapFrame): void {
    const at = this.ids.indexOf(frame.transactionId);
    if (at < 0) {
      this.unmatchedReplies += 1;
      return;
    }
    const request = this.requests[at]!;
    this.remove(at);
    // Nothing waits: the timer may fire later and find nothing, but must not hold the process open.
    if (this.requests.length === 0) this.timer?.unref();
    request.answer(frame);
  }

  /** Fails every request in flight with `error` (the connection ended or was closed). */
  failAll(error: GatewayError): void {
    const requests = this.requests.splice(0);
    this.ids.length = 0;
    this.deadlines.length = 0;
    this.disarm();
    for (const request of requests) request.fail(error);
  }

  /** Takes the entry at `at` out (the last entry moves into its place). */
  private remove(at: number): void {
    const last = this.requests.length - 1;
    this.requests[at] = this.requests[last]!;
    this.ids[at] = this.ids[last]!;
    this.deadlines[at] = this.deadlines[last]!;
    this.requests.pop();
    this.ids.pop();
    this.deadlines.pop();
  }

  private arm(due: number): void {
    this.disarm();
    this.timerDue = due;
    this.timer = setTimeout(this.expire, Math.max(0, due - performance.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  /** Fails the requests whose deadline passed; arms the timer for the next one. */
  private readonly expire = (): void => {
    this.timer = undefined;
    this.timerDue = Infinity;
    // A timer may fire a fraction of a millisecond before performance.now() reaches its due time.
    const now = performance.now() + 1;
    const due: Array<[number, InFlight]> = [];
    for (let at = this.requests.length - 1; at >= 0; at--) {
      if (this.deadlines[at]! > now) continue;
      due.push([this.ids[at]!, this.requests[at]!]);
      this.remove(at);
    }
    if (this.deadlines.length > 0) this.arm(Math.min(...this.deadlines));
    for (const [id, request] of due) request.fail(this.timeoutError(request, id));
  };
}
