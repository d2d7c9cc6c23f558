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
import { reportTo, type Outcome, type Transactor } from "../bus/transactor.ts";
import type { MeterControls } from "./controls.ts";
import type { MeterDriver, PollResult } from "./driver.ts";
import { ModbusPoll, type BlockExchange, type PollSteps } from "./modbus-poll.ts";
import { isUnsupportedReply, OptionalBlocks, type OptionalBlockChange } from "./optional-blocks.ts";
import { describeRequest, naming, withRequest } from "./request-error.ts";

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

export class ModbusMeterDriver implements MeterDriver<ModbusTransport> {
  readonly protocol = "modbus";
  private readonly optional: OptionalBlocks;
  /** The exchange of each block of the profile, in its order, made at the first poll. */
  private exchanges: BlockExchange[] | undefined;
  private readonly steps: PollSteps;

  constructor(
    readonly profile: ResolvedProfile,
    readonly unit: number,
    private readonly options: ModbusDriverOptions = {},
  ) {
    this.optional = new OptionalBlocks(options.clock, options.optionalRetryMs);
    this.steps = this.pollSteps();
  }

  get hasRelay(): boolean {
    return this.profile.relay !== undefined;
  }

  /**
   * Reads every block of the profile. An optional block answered with exception 01/02/03 leaves its
   * quantities out (listed in `missing`, flag `quantity-missing`); any other failure fails the poll.
   * A reading never combines two meters: when the meter breaks off between two answers (a request
   * answered only on its retry), everything is read again once; a second break fails the poll
   * (READING_INTERRUPTED). The same poll as {@link pollTo}, as a promise.
   */
  poll(tx: Transactor<ModbusTransport>): Promise<PollResult> {
    return new Promise((resolve, reject) => this.pollTo(tx, { answered: resolve, failed: reject }));
  }

  /** {@link poll}, reporting to `outcome`: no promise per poll or request (modbus-poll.ts). */
  pollTo(tx: Transactor<ModbusTransport>, outcome: Outcome<PollResult>): void {
    new ModbusPoll(this.steps, tx, outcome).start();
  }

  /** What a poll asks of this driver (modbus-poll.ts), made once. */
  private pollSteps(): PollSteps {
    return {
      blocks: () => (this.exchanges ??= this.profile.blocks.map((block) => this.exchangeOf(block))),
      skipped: (block) => this.optional.skipped(block),
      decode: (exchange, words, result) => {
        const block = exchange.block;
        this.checkCount(block, words);
        if (block.optional) this.report(this.optional.succeeded(block));
        decodeInto(block, words, result);
        exchange.spare = words;
      },
      unsupported: (exchange, error) => {
        if (!exchange.block.optional || !isUnsupportedReply(error)) throw error;
        const failed = this.optional.failed(exchange.block, error);
        this.report(failed.change);
        return failed.missing;
      },
      readRelay: this.profile.relay === undefined ? undefined : (tx) => this.readRelay(tx),
      brokeOff: (pass) => this.brokeOff(pass),
      failed: () => this.optional.forget(),
    };
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

  /** Fewer registers than a block asks for fail the poll. */
  private checkCount(block: ReadBlock, registers: readonly number[]): void {
    if (registers.length < block.count) {
      throw new GatewayError(
        ErrorCode.ShortReply,
        `${describeRequest(block)}: unit ${this.unit} answered ${registers.length} of ${block.count} registers`,
        { request: describeRequest(block), fc: block.fc, address: block.address, count: block.count },
      );
    }
  }

  /**
   * The exchange that reads `block` in both forms and the naming of its errors, made once per block:
   * they run for every poll, so they are not new closures (and a wrapper promise) or a new array of
   * words each time.
   */
  private exchangeOf(block: ReadBlock): BlockExchange {
    const { fc, address, count } = block;
    const takeSpare = () => {
      const into = exchange.spare ?? new Array<number>(count).fill(0);
      exchange.spare = undefined;
      return into;
    };
    const exchange: BlockExchange = {
      block,
      read: (link, timeoutMs) => link.readRegisters(this.unit, fc, address, count, timeoutMs, takeSpare()),
      direct: (link, timeoutMs, outcome) => {
        if (link.readRegistersTo !== undefined)
          link.readRegistersTo(this.unit, fc, address, count, timeoutMs, takeSpare(), outcome);
        else reportTo(exchange.read(link, timeoutMs), outcome);
      },
      name: (error) => withRequest(error, block),
      spare: undefined,
    };
    return exchange;
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
