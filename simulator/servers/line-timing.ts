/**
 * The wire time of a Modbus RTU line (DOMAIN.md section 6): a pty or a TCP socket delivers bytes at
 * once, so with line timing on, each reply is held back until its last byte would have reached the
 * master on a real RS-485 line. A transaction then occupies the line for
 * request + max(t3.5, turnaround) + reply + t3.5, and a master cannot poll faster than
 * protocols/modbus/timing.ts says the bus allows, so bus efficiency can be measured against that limit.
 */
import { t35Ms, wireTimeMs } from "../../protocols/modbus/timing.ts";

export class LineTiming {
  /** Monotonic ms from which the line is quiet again (end of the last reply + t3.5). */
  private lineFreeAtMs = -Infinity;

  /**
   * @param baudRate line speed, 1200..921600 baud
   * @param turnaroundMs the meter's processing time before it answers, 0..10000 ms (real meters: 5..50)
   * @param gapMs the silence that ends a frame: t3.5 for Modbus RTU (default); 0 for DL/T 645, whose
   *   frames are delimited by their length byte
   */
  constructor(
    readonly baudRate: number,
    readonly turnaroundMs = 0,
    private readonly gapMs = t35Ms(baudRate),
  ) {}

  /**
   * Monotonic ms at which the master has received the whole reply to a request whose first byte arrived
   * at `requestStartMs`. A request that arrives while the simulated line is still busy is treated as
   * starting when the line is free (a real master could not have sent it earlier).
   */
  replyDoneAt(requestStartMs: number, requestBytes: number, replyBytes: number): number {
    const gap = this.gapMs;
    const start = Math.max(requestStartMs, this.lineFreeAtMs);
    const done =
      start +
      wireTimeMs(requestBytes, this.baudRate) +
      Math.max(gap, this.turnaroundMs) +
      wireTimeMs(replyBytes, this.baudRate);
    this.lineFreeAtMs = done + gap;
    return done;
  }

  /** A request that got no reply still held the line for its own bytes and the silence after them. */
  unanswered(requestStartMs: number, requestBytes: number): void {
    const start = Math.max(requestStartMs, this.lineFreeAtMs);
    this.lineFreeAtMs = start + wireTimeMs(requestBytes, this.baudRate) + this.gapMs;
  }
}
