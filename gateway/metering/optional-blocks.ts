/**
 * Which optional read blocks a meter does not support, and when to ask again. A meter whose firmware
 * lacks a register answers the same exception on every poll; asking every time costs a request per poll
 * forever, so a block that failed is skipped until `retryMs` has passed on the injected clock, or until
 * the meter has been away (a failed poll: it may have been replaced or reflashed meanwhile).
 */
import type { Clock } from "../../core/clock.ts";
import { ErrorCode, isGatewayError, type GatewayError } from "../../core/errors.ts";
import type { QuantityName } from "../../protocols/profiles/quantities.ts";
import type { ReadBlock } from "../../protocols/profiles/resolve.ts";
import { describeRequest } from "./request-error.ts";

/** How long an unsupported optional block is skipped before it is read again, ms. */
export const defaultOptionalRetryMs = 15 * 60_000;

/**
 * Exception replies that mean "this meter does not have that": 01 illegal function, 02 illegal data
 * address, 03 illegal data value (some meters answer it for a register they lack). Everything else
 * fails the reading as a required block would: 04 means the meter itself is failing, 05/06/0A/0B a busy
 * meter or a converter that could not reach it, and a timeout, CRC error, short, garbled or foreign
 * reply means the meter or the line is bad, which no register map explains.
 */
export function isUnsupportedReply(error: unknown): error is GatewayError {
  if (!isGatewayError(error, ErrorCode.ModbusException)) return false;
  const code = error.modbusCode;
  return code === 0x01 || code === 0x02 || code === 0x03;
}

/** A quantity left out of a reading because the meter answered its read with an exception. */
export interface MissingQuantity {
  readonly quantity: QuantityName;
  /** The request, e.g. `FC03 0xFC00 x2`. */
  readonly request: string;
  /** The Modbus exception code the meter answered (1..3). */
  readonly exception: number;
  /** The whole error, e.g. `FC03 0xFC00 x2: exception 02 illegal data address`. */
  readonly message: string;
}

/** A block that became unsupported (`missing`) or is answered again (`back`). */
export interface OptionalBlockChange {
  readonly kind: "missing" | "back";
  readonly quantities: readonly QuantityName[];
  readonly request: string;
  /** The error, for `missing`. */
  readonly error?: string;
  /** When it is asked again, ms from now, for `missing`. */
  readonly retryMs?: number;
}

interface Unsupported {
  readonly missing: readonly MissingQuantity[];
  /** Monotonic ms from which the block is read again. */
  readonly retryAtMono: number;
}

export class OptionalBlocks {
  private readonly unsupported = new Map<ReadBlock, Unsupported>();
  /** Blocks reported missing and not yet back: a flaky meter does not repeat the report. */
  private readonly reported = new Set<ReadBlock>();

  /**
   * @param clock monotonic time for the retry; without one (a one-shot `read` or `scan`) every poll
   *   reads every block
   * @param retryMs 1..86400000, how long a failed block is skipped
   */
  constructor(
    private readonly clock: Clock | undefined,
    private readonly retryMs: number = defaultOptionalRetryMs,
  ) {}

  /** The quantities of a block still being skipped, or undefined when it is to be read. */
  skipped(block: ReadBlock): readonly MissingQuantity[] | undefined {
    const entry = this.unsupported.get(block);
    if (entry === undefined || this.clock === undefined) return undefined;
    return this.clock.monotonicMs() < entry.retryAtMono ? entry.missing : undefined;
  }

  /** Records an exception reply to the block; returns its missing quantities and any change to report. */
  failed(
    block: ReadBlock,
    error: GatewayError,
  ): { missing: readonly MissingQuantity[]; change?: OptionalBlockChange } {
    const request = describeRequest(block);
    const missing = block.quantities.map((q) => ({
      quantity: q.name,
      request,
      exception: error.modbusCode ?? 0,
      message: error.message,
    }));
    const now = this.clock?.monotonicMs() ?? 0;
    this.unsupported.set(block, { missing, retryAtMono: now + this.retryMs });
    if (this.reported.has(block)) return { missing };
    this.reported.add(block);
    const quantities = missing.map((m) => m.quantity);
    return {
      missing,
      change: { kind: "missing", quantities, request, error: error.message, retryMs: this.retryMs },
    };
  }

  /** Records a good reply to the block; a change when it had been reported missing. */
  succeeded(block: ReadBlock): OptionalBlockChange | undefined {
    this.unsupported.delete(block);
    if (!this.reported.delete(block)) return undefined;
    return { kind: "back", quantities: block.quantities.map((q) => q.name), request: describeRequest(block) };
  }

  /** The meter failed a poll: read every block again next time (it may be another meter by then). */
  forget(): void {
    this.unsupported.clear();
  }
}
