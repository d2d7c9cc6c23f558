/**
 * The meters behind one simulated endpoint, acting as a Modbus slave: parses request PDUs with the
 * shared codec, answers from the addressed meter, applies that meter's reply faults, and keeps a log of
 * every write it received so tests can assert what a gateway did to a meter.
 */
import {
  ExceptionCode,
  exceptionPdu,
  parseRequestPdu,
  responsePdu,
  type ModbusRequest,
} from "../../protocols/modbus/pdu.ts";
import { noiseBytes } from "../faults/line-noise.ts";
import { appendBounded, defaultLogCapacity } from "./event-log.ts";
import type { AcceleratedClock } from "../../core/clock.ts";
import type { SimMeter } from "./sim-meter.ts";
import type { SimTerminal } from "../terminals/sim-terminal.ts";

/**
 * What became of a write: `applied` (acted on), `rejected` (answered with an exception: wrong address or
 * value), `ignored` (stuck relay: acknowledged, nothing moved), `refused` (an exception fault answered),
 * `lost` (the meter was off the bus and never saw it).
 */
export type WriteResult = "applied" | "rejected" | "ignored" | "refused" | "lost";

/** One write the simulator received. */
export interface WriteLogEntry {
  /** Increasing from 1 (shared by the buses of one simulation). */
  seq: number;
  /** Simulated wall-clock time, epoch ms. */
  atMs: number;
  unit: number;
  fc: number;
  address: number;
  /** The value written (the first one, for FC 15/16). */
  value: number;
  /** Every value, for FC 15/16. */
  values?: number[];
  result: WriteResult;
  /**
   * DL/T 645 requests (0x1C relay control, 0x08 broadcast time, 0x14 write): `fc` is the function code,
   * `address` the DI of a write (0 otherwise), `value` the N1 command; this names the meter address,
   * the command, the credentials' check and what the meter answered.
   */
  dlt645?: Record<string, unknown>;
}

/** Damage done to a reply on the line (carried out by the reply path, which knows the framing). */
export type LineCorruption =
  | { kind: "crc" }
  | { kind: "truncated"; keepBytes?: number }
  | { kind: "garbage"; noise: Uint8Array; withReply: boolean };

/** What the slave sends back: a PDU from some unit id (possibly late or damaged), or nothing at all. */
export type SlaveReply =
  { unit: number; pdu: Uint8Array; delayMs?: number; line?: LineCorruption } | { silent: true };

export class SimBus {
  readonly meters = new Map<number, SimMeter>();
  /** Prepayment terminals on the bus, by unit (simulator/terminals/). */
  readonly terminals = new Map<number, SimTerminal>();
  readonly writeLog: WriteLogEntry[] = [];
  /** Called for every well-framed request, in arrival order (tests use it to see bus order). */
  onRequest: ((unit: number, pdu: Uint8Array) => void) | undefined;
  /** Called before a request is answered (the simulation runs due timeline entries). */
  beforeRequest: (() => void) | undefined;
  /** Called after every logged write. */
  onWrite: ((entry: WriteLogEntry, meter: SimMeter, relayBefore: boolean) => void) | undefined;
  /**
   * @param name bus name used in logs and the control interface
   * @param logCapacity writes kept, oldest dropped first; default 50000
   * @param nextSeq sequence numbers for the write log (shared across buses by a simulation)
   * @param protocol what the bus speaks: Modbus (this class answers) or DL/T 645 (simulator/dlt645/)
   */
  constructor(
    readonly clock: AcceleratedClock,
    readonly name = "main",
    private readonly logCapacity = defaultLogCapacity,
    private readonly nextSeq: () => number = counter(),
    readonly protocol: "modbus" | "dlt645" = "modbus",
  ) {}

  /** Logs a write handled elsewhere (the DL/T 645 slave), numbered in the shared sequence. */
  recordWrite(entry: Omit<WriteLogEntry, "seq" | "atMs">): WriteLogEntry {
    const logged: WriteLogEntry = { seq: this.nextSeq(), atMs: Math.round(this.clock.now()), ...entry };
    appendBounded(this.writeLog, logged, this.logCapacity);
    return logged;
  }

  add(meter: SimMeter): void {
    if (this.meters.has(meter.unit)) throw new Error(`unit ${meter.unit} is already on bus ${this.name}`);
    this.meters.set(meter.unit, meter);
  }

  /**
   * Answers one request. A unit id no meter has gets silence (a real RS-485 bus); broadcast (unit 0)
   * writes reach every meter on the bus and are never answered (Modbus over Serial Line 2.1).
   */
  handle(unit: number, pdu: Uint8Array): SlaveReply {
    this.onRequest?.(unit, pdu);
    this.beforeRequest?.();
    const parsed = parseRequestPdu(pdu);
    if (unit === 0) {
      if (parsed.ok) {
        for (const meter of this.meters.values()) {
          if (meter.faults.has("offline")) this.logWrite(meter, parsed.request, "lost");
          else this.execute(meter, parsed.request);
        }
      }
      return { silent: true };
    }
    const terminal = this.terminals.get(unit);
    if (terminal !== undefined) return this.answerTerminal(terminal, pdu);
    const meter = this.meters.get(unit);
    if (meter === undefined) return { silent: true };
    const plan = meter.faults.plan(unit);
    if (plan.drop === "offline") {
      if (parsed.ok) this.logWrite(meter, parsed.request, "lost");
      return { silent: true };
    }
    if (plan.exception !== undefined) {
      if (parsed.ok) this.logWrite(meter, parsed.request, "refused");
      return { unit, pdu: exceptionPdu(pdu[0] ?? 0, plan.exception) };
    }
    const reply = parsed.ok ? this.execute(meter, parsed.request) : exceptionPdu(parsed.fc, parsed.exception);
    if (plan.drop === "no-reply") return { silent: true };
    const line: LineCorruption | undefined =
      plan.line?.kind === "garbage"
        ? {
            kind: "garbage",
            noise: noiseBytes(meter.random, plan.line.bytes, unit),
            withReply: plan.line.withReply,
          }
        : plan.line;
    return {
      unit: plan.replyUnit ?? unit,
      pdu: reply,
      ...(plan.delayMs === undefined ? {} : { delayMs: plan.delayMs }),
      ...(line === undefined ? {} : { line }),
    };
  }

  /** A terminal's answer; its block writes are logged like a meter's writes. */
  private answerTerminal(terminal: SimTerminal, pdu: Uint8Array): SlaveReply {
    const reply = terminal.handle(pdu);
    const parsed = parseRequestPdu(pdu);
    if (parsed.ok && parsed.request.kind === "writeRegisters") {
      const { fc, address, values } = parsed.request;
      const result = reply === undefined ? "lost" : reply[0] === fc ? "applied" : "refused";
      this.recordWrite({ unit: terminal.unit, fc, address, value: values[0] ?? 0, values, result });
    }
    return reply === undefined ? { silent: true } : { unit: terminal.unit, pdu: reply };
  }

  private execute(meter: SimMeter, request: ModbusRequest): Uint8Array {
    if (request.kind === "readRegisters" || request.kind === "readBits") {
      const missing = meter.missingRegisters(request.fc, request.address, request.count);
      if (missing !== undefined) return exceptionPdu(request.fc, missing);
    }
    switch (request.kind) {
      case "readRegisters": {
        const words = meter.readRegisters(request.fc, request.address, request.count);
        return words === undefined
          ? exceptionPdu(request.fc, ExceptionCode.IllegalDataAddress)
          : responsePdu(request, words);
      }
      case "readBits": {
        const bits = meter.readBits(request.fc, request.address, request.count);
        return bits === undefined
          ? exceptionPdu(request.fc, ExceptionCode.IllegalDataAddress)
          : responsePdu(request, bits);
      }
      case "writeCoil":
      case "writeRegister":
        return this.write(meter, request);
      case "writeCoils":
      case "writeRegisters":
        // Meters in the shipped profiles switch their relay with single writes only.
        this.logWrite(meter, request, "rejected");
        return exceptionPdu(request.fc, ExceptionCode.IllegalFunction);
    }
  }

  private write(
    meter: SimMeter,
    request: Extract<ModbusRequest, { kind: "writeCoil" | "writeRegister" }>,
  ): Uint8Array {
    const value = request.kind === "writeCoil" ? (request.value ? 1 : 0) : request.value;
    const relayBefore = meter.relayClosed;
    const outcome = meter.writeRelay(request.fc, request.address, value);
    const result = outcome === "ok" ? "applied" : outcome === "ignored" ? "ignored" : "rejected";
    const entry = this.logWrite(meter, request, result);
    if (entry !== undefined) this.onWrite?.(entry, meter, relayBefore);
    switch (outcome) {
      case "ok":
      case "ignored":
        return responsePdu(request);
      case "bad-address":
        return exceptionPdu(request.fc, ExceptionCode.IllegalDataAddress);
      case "bad-value":
        return exceptionPdu(request.fc, ExceptionCode.IllegalDataValue);
    }
  }

  /** Logs a write request; reads are not logged (`undefined`). */
  private logWrite(meter: SimMeter, request: ModbusRequest, result: WriteResult): WriteLogEntry | undefined {
    if (request.kind === "readBits" || request.kind === "readRegisters") return undefined;
    const values =
      request.kind === "writeCoils"
        ? request.values.map(Number)
        : request.kind === "writeRegisters"
          ? request.values
          : undefined;
    const value =
      request.kind === "writeCoil"
        ? request.value
          ? 1
          : 0
        : request.kind === "writeRegister"
          ? request.value
          : (values?.[0] ?? 0);
    const entry: WriteLogEntry = {
      seq: this.nextSeq(),
      atMs: Math.round(this.clock.now()),
      unit: meter.unit,
      fc: request.fc,
      address: request.address,
      value,
      ...(values === undefined ? {} : { values }),
      result,
    };
    appendBounded(this.writeLog, entry, this.logCapacity);
    return entry;
  }
}

function counter(): () => number {
  let next = 1;
  return () => next++;
}
