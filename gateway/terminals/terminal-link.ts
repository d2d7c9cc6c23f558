/**
 * One terminal's requests, each one job on its bus at `display` priority (behind every meter job:
 * bus/scheduler.ts), without retries: a failed write is counted by the caller and tried again at its
 * next turn, so a dead terminal costs the bus at most one reply timeout per turn.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { BusLink } from "../bus/link.ts";
import type { Transactor } from "../bus/transactions.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";
import {
  decodeEntry,
  encodeBlock,
  uint32Words,
  type AnswerValues,
  type DisplayValues,
  type TerminalEntry,
} from "../../protocols/terminals/codec.ts";
import type { TerminalProfile } from "../../protocols/terminals/profile.ts";

/** Runs one job for a device on a bus (Meters.runDeviceJob). */
export type DeviceJobRunner = <T>(
  busId: string,
  deviceId: string,
  run: (tx: Transactor<BusLink>) => Promise<T>,
) => Promise<T>;

export class TerminalLink {
  constructor(
    private readonly where: { id: string; bus: string; unit: number },
    private readonly profile: TerminalProfile,
    private readonly runJob: DeviceJobRunner,
  ) {}

  /** Writes the display block in one FC 16 request. */
  writeDisplay(values: DisplayValues): Promise<void> {
    const { display } = this.profile;
    return this.write(display.address, encodeBlock(display, { ...values }));
  }

  /** Writes the answer block in one FC 16 request. */
  writeAnswer(values: AnswerValues): Promise<void> {
    const { answer } = this.profile;
    return this.write(answer.address, encodeBlock(answer, { ...values }));
  }

  /** Reads the head of the keypad queue (FC 03); undefined when it is empty. */
  async readEntry(): Promise<TerminalEntry | undefined> {
    const { input } = this.profile;
    const words = await this.exchange((link, unit, t) =>
      link.readRegisters(unit, 3, input.address, input.count, t),
    );
    return decodeEntry(this.profile, words);
  }

  /** Takes entry `entryId` off the head of the queue. */
  ack(entryId: number): Promise<void> {
    return this.write(this.profile.ack, uint32Words(entryId));
  }

  private write(address: number, words: number[]): Promise<void> {
    return this.exchange((link, unit, t) => link.writeRegisters(unit, address, words, t));
  }

  private exchange<R>(
    request: (link: ModbusTransport, unit: number, timeoutMs: number) => Promise<R>,
  ): Promise<R> {
    const { id, bus, unit } = this.where;
    return this.runJob(bus, id, (tx) =>
      tx.transact((link, timeoutMs) => request(modbusLink(link, bus), unit, timeoutMs)),
    );
  }
}

function modbusLink(link: BusLink, busId: string): ModbusTransport {
  if (!("writeRegisters" in link))
    throw new GatewayError(ErrorCode.NotSupported, `bus '${busId}' is not a Modbus bus: no terminal there`);
  return link as ModbusTransport;
}
