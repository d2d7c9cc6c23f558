/**
 * The meters behind one simulated endpoint, acting as a Modbus slave: parses request PDUs with the
 * shared codec, answers from the addressed meter, and keeps a log of every write it received so tests
 * can assert what a gateway did to a meter.
 */
import {
  ExceptionCode,
  exceptionPdu,
  parseRequestPdu,
  responsePdu,
  type ModbusRequest,
} from "../../protocols/modbus/pdu.ts";
import type { SimClock } from "./sim-clock.ts";
import type { SimMeter } from "./sim-meter.ts";

/** One write the simulator received. */
export interface WriteLogEntry {
  /** Simulated wall-clock time, epoch ms. */
  atMs: number;
  unit: number;
  fc: number;
  address: number;
  value: number;
  /** What the meter did with it. */
  result: "applied" | "rejected";
}

/** What the slave sends back: a PDU from some unit id, or nothing at all. */
export type SlaveReply = { unit: number; pdu: Uint8Array } | { silent: true };

export class SimBus {
  readonly meters = new Map<number, SimMeter>();
  readonly writeLog: WriteLogEntry[] = [];
  /** Called for every well-framed request, in arrival order (tests use it to see bus order). */
  onRequest: ((unit: number, pdu: Uint8Array) => void) | undefined;

  constructor(readonly clock: SimClock) {}

  add(meter: SimMeter): void {
    if (this.meters.has(meter.unit)) throw new Error(`unit ${meter.unit} is already on this bus`);
    this.meters.set(meter.unit, meter);
  }

  /**
   * Answers one request. A unit id no meter has gets silence (a real RS-485 bus); broadcast (unit 0)
   * writes are applied to all and never answered (Modbus over Serial Line 2.1).
   */
  handle(unit: number, pdu: Uint8Array): SlaveReply {
    this.onRequest?.(unit, pdu);
    if (unit === 0) {
      const parsed = parseRequestPdu(pdu);
      if (parsed.ok) for (const meter of this.meters.values()) this.execute(meter, parsed.request);
      return { silent: true };
    }
    const meter = this.meters.get(unit);
    if (meter === undefined) return { silent: true };
    const parsed = parseRequestPdu(pdu);
    if (!parsed.ok) return { unit, pdu: exceptionPdu(parsed.fc, parsed.exception) };
    return { unit, pdu: this.execute(meter, parsed.request) };
  }

  private execute(meter: SimMeter, request: ModbusRequest): Uint8Array {
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
        return this.write(meter, request, 5, request.value ? 1 : 0);
      case "writeRegister":
        return this.write(meter, request, 6, request.value);
      case "writeCoils":
      case "writeRegisters":
        // Meters in the shipped profiles switch their relay with single writes only.
        return exceptionPdu(request.fc, ExceptionCode.IllegalFunction);
    }
  }

  private write(
    meter: SimMeter,
    request: ModbusRequest & { address: number },
    fc: 5 | 6,
    value: number,
  ): Uint8Array {
    const outcome = meter.writeRelay(fc, request.address, value);
    this.writeLog.push({
      atMs: this.clock.now(),
      unit: meter.unit,
      fc,
      address: request.address,
      value,
      result: outcome === "ok" ? "applied" : "rejected",
    });
    switch (outcome) {
      case "ok":
        return responsePdu(request);
      case "bad-address":
        return exceptionPdu(fc, ExceptionCode.IllegalDataAddress);
      case "bad-value":
        return exceptionPdu(fc, ExceptionCode.IllegalDataValue);
    }
  }
}
