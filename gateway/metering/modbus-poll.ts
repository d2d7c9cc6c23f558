/**
 * One poll of a Modbus meter, as a small state machine over its blocks that reports to an Outcome: the
 * periodic poll's way (MeterDriver.pollTo). On a link that answers through callbacks
 * (ModbusTransport.readRegistersTo) a poll then makes no promise or async frame of its own, nor one per
 * request. With ten requests in flight per connection a poll lives for the 20 ms or so its replies
 * take, and those promises and frames were most of what the garbage collector promoted (docs/bench.md,
 * "The poll path, sixth round"). The driver's promise form (`poll`) runs the same machine.
 */
import type { ReadBlock } from "../../protocols/profiles/resolve.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import type { DirectExchange, Exchange, Outcome, Transactor } from "../bus/transactor.ts";
import type { PollResult } from "./driver.ts";
import type { MissingQuantity } from "./optional-blocks.ts";
import { UnbrokenRun } from "./unbroken-run.ts";

/** A block's read in both forms, as Transactor.transactTo runs it, and the naming of its errors. */
export interface BlockExchange {
  block: ReadBlock;
  read: Exchange<ModbusTransport, number[]>;
  direct: DirectExchange<ModbusTransport, number[]>;
  name: (error: unknown) => unknown;
  /**
   * An array for the words of the block's next read (readRegisters' `into`): a read takes it, and the
   * poll gives it back once it decoded the words. A read that finds none (another read of the block in
   * flight, or the last one failed) gets a new array.
   */
  spare: number[] | undefined;
}

/** What a poll asks of its driver (ModbusMeterDriver), made once per driver. */
export interface PollSteps {
  /** The exchange of each block of the profile, in its order. */
  blocks(): readonly BlockExchange[];
  /** The quantities of an optional block skipped for now (unsupported lately); undefined: read it. */
  skipped(block: ReadBlock): readonly MissingQuantity[] | undefined;
  /** Checks a block's words (a short reply throws) and decodes them into `result`; keeps the array. */
  decode(exchange: BlockExchange, words: number[], result: PollResult): void;
  /** The quantities of an optional block the meter does not support; throws `error` for any other failure. */
  unsupported(exchange: BlockExchange, error: unknown): readonly MissingQuantity[];
  /** Reads the relay state; undefined for a meter without a relay. */
  readRelay: ((tx: Transactor<ModbusTransport>) => Promise<boolean>) | undefined;
  /** The meter broke off in the middle of pass `pass`: returns to read again, or throws. */
  brokeOff(pass: number): void;
  /** The poll failed: optional blocks are asked for again at the next one (it may be another meter). */
  failed(): void;
}

export class ModbusPoll implements Outcome<number[]> {
  private pass = 1;
  /** The block in hand (its index in PollSteps.blocks). */
  private at = 0;
  private run = new UnbrokenRun();
  private result: PollResult = { values: {}, flags: [] };
  private missing: MissingQuantity[] = [];
  private settled = false;

  constructor(
    private readonly steps: PollSteps,
    private readonly tx: Transactor<ModbusTransport>,
    private readonly outcome: Outcome<PollResult>,
  ) {}

  // The steps catch what they throw in place, not through a closure per step: they run for every block.

  /** Starts the poll. */
  start(): void {
    try {
      this.next();
    } catch (error) {
      this.fail(error);
    }
  }

  /** The block in hand was read. */
  answered(words: number[]): void {
    try {
      this.run.answeredAfter(this.tx.attempts);
      this.steps.decode(this.steps.blocks()[this.at]!, words, this.result);
      this.at += 1;
      this.next();
    } catch (error) {
      this.fail(error);
    }
  }

  /** The block in hand failed: left out when the meter does not support it, otherwise the poll fails. */
  failed(error: unknown): void {
    try {
      this.missing.push(...this.steps.unsupported(this.steps.blocks()[this.at]!, error));
      this.at += 1;
      this.next();
    } catch (failure) {
      this.fail(failure);
    }
  }

  /** Reads the next block not skipped; past the last, reads the relay (if any) and ends the pass. */
  private next(): void {
    const blocks = this.steps.blocks();
    for (; this.at < blocks.length; this.at++) {
      const exchange = blocks[this.at]!;
      const skipped = exchange.block.optional ? this.steps.skipped(exchange.block) : undefined;
      if (skipped === undefined) {
        this.tx.transactTo(exchange.read, exchange.direct, this, exchange.name);
        return;
      }
      this.missing.push(...skipped);
    }
    const readRelay = this.steps.readRelay;
    if (readRelay === undefined) {
      this.endPass();
      return;
    }
    readRelay(this.tx).then(
      (closed) => {
        try {
          this.result.relayClosed = closed;
          this.run.answeredAfter(this.tx.attempts);
          this.endPass();
        } catch (error) {
          this.fail(error);
        }
      },
      (error: unknown) => this.fail(error),
    );
  }

  /**
   * The reading when no answer broke the run; otherwise everything is read again once (a second
   * break fails the poll: PollSteps.brokeOff).
   */
  private endPass(): void {
    if (!this.run.broken) {
      const result = this.result;
      if (this.missing.length > 0) {
        result.flags.push("quantity-missing");
        result.missing = this.missing;
      }
      this.settled = true;
      this.outcome.answered(result);
      return;
    }
    this.steps.brokeOff(this.pass);
    this.pass += 1;
    this.at = 0;
    this.run = new UnbrokenRun();
    this.result = { values: {}, flags: [] };
    this.missing = [];
    this.next();
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.steps.failed();
    this.outcome.failed(error);
  }
}
