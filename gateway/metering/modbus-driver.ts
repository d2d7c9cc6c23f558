/**
 * The Modbus meter driver: reads a profile's blocks (planned once at profile load), decodes them, and
 * drives the relay the way the profile describes it.
 */
import { decodeBlock, type QuantityValues } from "../../protocols/profiles/decode.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import { ErrorCode, GatewayError } from "../core/errors.ts";
import type { Transactor } from "../bus/scheduler.ts";
import type { MeterDriver, PollResult } from "./driver.ts";
import type { QualityFlag } from "./reading.ts";

export class ModbusMeterDriver implements MeterDriver<ModbusTransport> {
  readonly protocol = "modbus";

  constructor(
    readonly profile: ResolvedProfile,
    readonly unit: number,
  ) {}

  get hasRelay(): boolean {
    return this.profile.relay !== undefined;
  }

  async poll(tx: Transactor<ModbusTransport>): Promise<PollResult> {
    const values: QuantityValues = {};
    const flags: QualityFlag[] = [];
    for (const block of this.profile.blocks) {
      const registers = await tx.transact((link, timeoutMs) =>
        link.readRegisters(this.unit, block.fc, block.address, block.count, timeoutMs),
      );
      if (registers.length < block.count) {
        throw new GatewayError(
          ErrorCode.ShortReply,
          `unit ${this.unit}: ${registers.length} of ${block.count} registers`,
        );
      }
      decodeBlock(block, registers, values);
      if (block.quantities.some((q) => values[q.name] === undefined)) flags.push("value-dropped");
    }
    if (!this.hasRelay) return { values, flags };
    return { values, relayClosed: await this.readRelay(tx), flags };
  }

  async readRelay(tx: Transactor<ModbusTransport>): Promise<boolean> {
    const state = this.requireRelay().state;
    switch (state.fc) {
      case 1:
      case 2: {
        const [bit] = await tx.transact((link, t) => link.readBits(this.unit, state.fc, state.address, 1, t));
        return (bit ?? false) === (state.onValue === 1);
      }
      case 3:
      case 4: {
        const [word] = await tx.transact((link, t) =>
          link.readRegisters(this.unit, state.fc, state.address, 1, t),
        );
        return word === state.onValue;
      }
    }
  }

  async writeRelay(tx: Transactor<ModbusTransport>, closed: boolean): Promise<void> {
    const command = this.requireRelay().command;
    const raw = closed ? command.on : command.off;
    switch (command.fc) {
      case 5:
        await tx.transact((link, t) => link.writeCoil(this.unit, command.address, raw === 1, t));
        return;
      case 6:
        await tx.transact((link, t) => link.writeRegister(this.unit, command.address, raw, t));
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
