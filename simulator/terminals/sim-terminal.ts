/**
 * A simulated prepayment terminal on a Modbus bus: it keeps the display and answer blocks the gateway
 * writes (so a test can assert what the customer saw), a keypad queue a test fills, and two faults:
 * `no-reply` (off the bus) and `busy` (Modbus exception 06, server device busy). Uses the shared
 * terminal codec (protocols/terminals/codec.ts), so it reads its registers exactly as the gateway
 * writes them.
 */
import {
  ExceptionCode,
  exceptionPdu,
  parseRequestPdu,
  responsePdu,
  type ModbusRequest,
} from "../../protocols/modbus/pdu.ts";
import { decodeBlock, encodeEntry, type TerminalEntry } from "../../protocols/terminals/codec.ts";
import type { TerminalBlock, TerminalProfile } from "../../protocols/terminals/profile.ts";

/** A terminal's fault: none, silent, or answering exception 06 to everything. */
export type TerminalFault = "none" | "no-reply" | "busy";

/** A keypad entry as a test types it (the terminal numbers it). */
export type KeypadInput = { token: string } | { amountFen: number; reference: string };

/** Modbus exception 06: the server is busy with a long command (Modbus Application Protocol 7). */
const serverDeviceBusy = 0x06;
/** Entries a terminal keeps; a further one is refused, as a full keypad buffer would be. */
const queueCapacity = 32;

export class SimTerminal {
  fault: TerminalFault = "none";
  /** Display-block writes received (the gateway's refreshes). */
  displayWrites = 0;
  /** Entries taken off the queue by the gateway's ack, in order. */
  readonly acknowledged: TerminalEntry[] = [];
  private readonly queue: TerminalEntry[] = [];
  private readonly words = new Map<number, number>();
  private nextEntryId = 1;

  constructor(
    readonly unit: number,
    readonly profile: TerminalProfile,
  ) {}

  /** The reply PDU to a request addressed to this terminal, or undefined for silence. */
  handle(pdu: Uint8Array): Uint8Array | undefined {
    if (this.fault === "no-reply") return undefined;
    if (this.fault === "busy") return exceptionPdu(pdu[0] ?? 0, serverDeviceBusy);
    const parsed = parseRequestPdu(pdu);
    if (!parsed.ok) return exceptionPdu(parsed.fc, parsed.exception);
    return this.execute(parsed.request);
  }

  /** Queues a keypad entry; returns its entry id. */
  enter(input: KeypadInput): TerminalEntry {
    if (this.queue.length >= queueCapacity) throw new Error(`terminal ${this.unit}: keypad queue is full`);
    const entryId = this.nextEntryId++;
    const entry: TerminalEntry =
      "token" in input
        ? { entryId, kind: "token", token: input.token }
        : { entryId, kind: "purchase", amountFen: input.amountFen, reference: input.reference };
    this.queue.push(entry);
    return entry;
  }

  /** Entries waiting for the gateway. */
  get pending(): readonly TerminalEntry[] {
    return this.queue;
  }

  /** The display block's values as last written (all zero before the first write). */
  display(): Record<string, number | string> {
    return decodeBlock(this.profile.display, this.block(this.profile.display));
  }

  /** The answer block's values as last written. */
  answer(): Record<string, number | string> {
    return decodeBlock(this.profile.answer, this.block(this.profile.answer));
  }

  private execute(request: ModbusRequest): Uint8Array {
    const { display, answer, input, ack } = this.profile;
    if (request.kind === "readRegisters" && request.fc === 3) {
      if (within(input, request.address, request.count)) {
        const words = encodeEntry(this.profile, this.queue[0], this.queue.length);
        const from = request.address - input.address;
        return responsePdu(request, words.slice(from, from + request.count));
      }
      for (const block of [display, answer])
        if (within(block, request.address, request.count))
          return responsePdu(request, this.wordsAt(request.address, request.count));
      return exceptionPdu(request.fc, ExceptionCode.IllegalDataAddress);
    }
    if (request.kind !== "writeRegisters" && request.kind !== "writeRegister")
      return exceptionPdu(request.fc, ExceptionCode.IllegalFunction);
    const values = request.kind === "writeRegisters" ? request.values : [request.value];
    if (request.address === ack && values.length === 2) {
      const entryId = values[0]! * 0x10000 + values[1]!;
      if (this.queue[0]?.entryId === entryId) this.acknowledged.push(this.queue.shift()!);
      return responsePdu(request);
    }
    const block = [display, answer].find((b) => within(b, request.address, values.length));
    if (block === undefined) return exceptionPdu(request.fc, ExceptionCode.IllegalDataAddress);
    values.forEach((v, i) => this.words.set(request.address + i, v));
    if (block === display) this.displayWrites++;
    return responsePdu(request);
  }

  private block(block: TerminalBlock): number[] {
    return this.wordsAt(block.address, block.count);
  }

  private wordsAt(address: number, count: number): number[] {
    return Array.from({ length: count }, (_, i) => this.words.get(address + i) ?? 0);
  }
}

function within(block: TerminalBlock, address: number, count: number): boolean {
  return address >= block.address && address + count <= block.address + block.count;
}
