/**
 * The Modbus meter driver: reads a profile's blocks (planned once at profile load), decodes them, and
 * drives the relay the way the profile describes it. Optional blocks a meter does not support are left
 * out of the reading and skipped for a while (optional-blocks.ts); every request/reply error names its
 * request (request-error.ts).
 */
import { decodeBlock } from "../../protocols/profiles/decode.ts";
import type { ReadBlock, ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import type { RelayCommandSpec } from "../../protocols/profiles/schema.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import type { Clock } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { Transactor } from "../bus/scheduler.ts";
import type { Exchange } from "../bus/transactions.ts";
import type { MeterControls } from "./controls.ts";
import type { MeterDriver, PollResult } from "./driver.ts";
import {
  isUnsupportedReply,
  OptionalBlocks,
  type MissingQuantity,
  type OptionalBlockChange,
} from "./optional-blocks.ts";
import { describeRequest, naming, withRequest } from "./request-error.ts";
import { UnbrokenRun } from "./unbroken-run.ts";

/** Passes over the blocks before a reading the meter keeps breaking off fails the poll. */
const maxPasses = 2;

export interface ModbusDriverOptions {
  /** Monotonic time for skipping unsupported optional blocks; without it every poll reads them all. */
  clock?: Clock;
  /** How long an optional block that answered an exception is skipped, ms; default 15 min. */
  optionalRetryMs?: number;
  /** An optional block became unsupported or is answered again (for logs and events). */
  onOptionalChange?: (change: OptionalBlockChange) => void;
}

/** A block's read, as Transactor.transact runs it, and the naming of its errors. */
interface BlockExchange {
  block: ReadBlock;
  read: Exchange<ModbusTransport, number[]>;
  name: (error: unknown) => unknown;
  /**
   * An array for the words of the block's next read (readRegisters' `into`): a read takes it, and the
   * poll gives it back once it decoded the words. A read that finds none (another read of the block in
   * flight, or the last one failed) gets a new array.
   */
  spare: number[] | undefined;
}

/** Decodes a block into the reading; a quantity left out (not finite) flags `value-dropped` once. */
function decodeInto(block: ReadBlock, registers: readonly number[], result: PollResult): void {
  const values = result.values;
  decodeBlock(block, registers, values);
  for (const q of block.quantities) {
    if (values[q.name] !== undefined) continue;
    if (!result.flags.includes("value-dropped")) result.flags.push("value-dropped");
    return;
  }
}

/** The reading with the optional quantities the meter lacks (flag `quantity-missing`). */
function withMissing(result: PollResult, missing: MissingQuantity[]): PollResult {
  if (missing.length === 0) return result;
  result.flags.push("quantity-missing");
  result.missing = missing;
  return result;
}

export class ModbusMeterDriver implements MeterDriver<ModbusTransport> {
  readonly protocol = "modbus";
  private readonly optional: OptionalBlocks;
  /** See {@link blockExchanges}. */
  private exchanges: BlockExchange[] | undefined;

  constructor(
    readonly profile: ResolvedProfile,
    readonly unit: number,
    private readonly options: ModbusDriverOptions = {},
  ) {
    this.optional = new OptionalBlocks(options.clock, options.optionalRetryMs);
  }

  get hasRelay(): boolean {
    return this.profile.relay !== undefined;
  }

  /**
   * Reads every block of the profile. An optional block answered with exception 01/02/03 leaves its
   * quantities out (listed in `missing`, flag `quantity-missing`); any other failure fails the poll.
   * A reading never combines two meters: when the meter breaks off between two answers (a request
   * answered only on its retry), everything is read again once; a second break fails the poll
   * (READING_INTERRUPTED).
   */
  async poll(tx: Transactor<ModbusTransport>): Promise<PollResult> {
    try {
      // One async frame for the whole reading, passes and blocks alike: this runs for every poll.
      for (let pass = 1; ; pass++) {
        const run = new UnbrokenRun();
        const result: PollResult = { values: {}, flags: [] };
        const missing: MissingQuantity[] = [];
        for (const exchange of this.blockExchanges()) {
          const registers = exchange.block.optional
            ? await this.readOptional(tx, exchange, missing, run)
            : this.checked(exchange.block, await this.transactRead(tx, exchange), tx, run);
          if (registers !== undefined) this.decode(exchange, registers, result);
        }
        if (this.hasRelay) {
          result.relayClosed = await this.readRelay(tx);
          run.answeredAfter(tx.attempts);
        }
        if (!run.broken) return withMissing(result, missing);
        this.brokeOff(pass);
      }
    } catch (error) {
      this.optional.forget();
      throw error;
    }
  }

  /** The meter broke off in the middle of pass `pass`: read again, or fail after {@link maxPasses}. */
  private brokeOff(pass: number): void {
    // It may be another meter now: ask again for the optional blocks the last one lacked too.
    this.optional.forget();
    if (pass < maxPasses) return;
    throw new GatewayError(
      ErrorCode.ReadingInterrupted,
      `unit ${this.unit} broke off in the middle of a reading twice in a row (answered only on a ` +
        "retry): nothing read is kept, its values could come from two meters",
      { unit: this.unit },
    );
  }

  /** The exchange of each block of the profile, in its order, made at the first poll. */
  private blockExchanges(): BlockExchange[] {
    return (this.exchanges ??= this.profile.blocks.map((block) => this.exchangeOf(block)));
  }

  /** Reads a block, its request named on failure (the error the counters and /status keep). */
  private transactRead(tx: Transactor<ModbusTransport>, exchange: BlockExchange): Promise<number[]> {
    return tx.transact(exchange.read, exchange.name);
  }

  /** A block's registers as read: noted in `run`; fewer registers than asked fail the poll. */
  private checked(
    block: ReadBlock,
    registers: number[],
    tx: Transactor<ModbusTransport>,
    run: UnbrokenRun,
  ): number[] {
    run.answeredAfter(tx.attempts);
    if (registers.length < block.count) {
      throw new GatewayError(
        ErrorCode.ShortReply,
        `${describeRequest(block)}: unit ${this.unit} answered ${registers.length} of ${block.count} registers`,
        { request: describeRequest(block), fc: block.fc, address: block.address, count: block.count },
      );
    }
    return registers;
  }

  /**
   * The exchange that reads `block` and the naming of its errors, made once per block: they run for
   * every poll, so they are not new closures (and a wrapper promise) or a new array of words each time.
   */
  private exchangeOf(block: ReadBlock): BlockExchange {
    const exchange: BlockExchange = {
      block,
      read: (link, timeoutMs) => {
        const into = exchange.spare ?? new Array<number>(block.count).fill(0);
        exchange.spare = undefined;
        return link.readRegisters(this.unit, block.fc, block.address, block.count, timeoutMs, into);
      },
      name: (error) => withRequest(error, block),
      spare: undefined,
    };
    return exchange;
  }

  /** Decodes a block's words into `result`; the array goes back for the block's next read. */
  private decode(exchange: BlockExchange, registers: number[], result: PollResult): void {
    decodeInto(exchange.block, registers, result);
    exchange.spare = registers;
  }

  /** An optional block's registers, or undefined when the meter does not support it (now or lately). */
  private async readOptional(
    tx: Transactor<ModbusTransport>,
    exchange: BlockExchange,
    missing: MissingQuantity[],
    run: UnbrokenRun,
  ): Promise<number[] | undefined> {
    const block = exchange.block;
    const skipped = this.optional.skipped(block);
    if (skipped !== undefined) {
      missing.push(...skipped);
      return undefined;
    }
    try {
      const registers = this.checked(block, await this.transactRead(tx, exchange), tx, run);
      this.report(this.optional.succeeded(block));
      return registers;
    } catch (error) {
      if (!isUnsupportedReply(error)) throw error;
      const failed = this.optional.failed(block, error);
      missing.push(...failed.missing);
      this.report(failed.change);
      return undefined;
    }
  }

  private report(change: OptionalBlockChange | undefined): void {
    if (change !== undefined) this.options.onOptionalChange?.(change);
  }

  async readRelay(tx: Transactor<ModbusTransport>): Promise<boolean> {
    const state = this.requireRelay().state;
    switch (state.fc) {
      case 1:
      case 2: {
        const request = { fc: state.fc, address: state.address, count: 1 };
        const [bit] = await tx.transact((link, t) =>
          naming(request, () => link.readBits(this.unit, state.fc, state.address, 1, t)),
        );
        return (bit ?? false) === (state.onValue === 1);
      }
      case 3:
      case 4: {
        const request = { fc: state.fc, address: state.address, count: 1 };
        const [word] = await tx.transact((link, t) =>
          naming(request, () => link.readRegisters(this.unit, state.fc, state.address, 1, t)),
        );
        return word === state.onValue;
      }
    }
  }

  async writeRelay(tx: Transactor<ModbusTransport>, closed: boolean): Promise<void> {
    await this.writeCommand(tx, this.requireRelay().command, closed);
  }

  /** The alarm output where the profile names one (a coil or register); absent otherwise. */
  get controls(): MeterControls<ModbusTransport> | undefined {
    const alarm = this.profile.alarm;
    if (alarm === undefined) return undefined;
    return { setAlarm: (tx, on) => this.writeCommand(tx, alarm, on) };
  }

  /** Writes a coil (05) or register (06) command of the profile: its `on` or `off` value. */
  private async writeCommand(
    tx: Transactor<ModbusTransport>,
    command: RelayCommandSpec,
    on: boolean,
  ): Promise<void> {
    const raw = on ? command.on : command.off;
    const request = { fc: command.fc, address: command.address, count: 1 };
    switch (command.fc) {
      case 5:
        await tx.transact((link, t) =>
          naming(request, () => link.writeCoil(this.unit, command.address, raw === 1, t)),
        );
        return;
      case 6:
        await tx.transact((link, t) =>
          naming(request, () => link.writeRegister(this.unit, command.address, raw, t)),
        );
        return;
    }
  }

  private requireRelay(): NonNullable<ResolvedProfile["relay"]> {
    const relay = this.profile.relay;
    if (relay === undefined) {
      throw new GatewayError(ErrorCode.UnsupportedQuantity, `profile ${this.profile.id} has no relay`);
    }
    return relay;
  }
}
