/**
 * Modbus PDU codec (Modbus Application Protocol v1.1b3, section 6): requests as a slave parses them and
 * responses as a slave builds them. Pure; the simulator and protocol tests use it.
 */

/** Function codes this project speaks. */
export const FunctionCode = {
  ReadCoils: 0x01,
  ReadDiscreteInputs: 0x02,
  ReadHoldingRegisters: 0x03,
  ReadInputRegisters: 0x04,
  WriteSingleCoil: 0x05,
  WriteSingleRegister: 0x06,
  WriteMultipleCoils: 0x0f,
  WriteMultipleRegisters: 0x10,
} as const;

export type BitReadFc = 0x01 | 0x02;
export type RegisterReadFc = 0x03 | 0x04;

export const ExceptionCode = {
  IllegalFunction: 0x01,
  IllegalDataAddress: 0x02,
  IllegalDataValue: 0x03,
  ServerDeviceFailure: 0x04,
  Acknowledge: 0x05,
  ServerDeviceBusy: 0x06,
  GatewayPathUnavailable: 0x0a,
  GatewayTargetFailed: 0x0b,
} as const;

export type ModbusRequest =
  | { kind: "readBits"; fc: BitReadFc; address: number; count: number }
  | { kind: "readRegisters"; fc: RegisterReadFc; address: number; count: number }
  | { kind: "writeCoil"; fc: 0x05; address: number; value: boolean }
  | { kind: "writeRegister"; fc: 0x06; address: number; value: number }
  | { kind: "writeCoils"; fc: 0x0f; address: number; values: boolean[] }
  | { kind: "writeRegisters"; fc: 0x10; address: number; values: number[] };

export type ParsedRequest =
  { ok: true; request: ModbusRequest } | { ok: false; fc: number; exception: number };

const u16 = (pdu: Uint8Array, at: number): number => (pdu[at]! << 8) | pdu[at + 1]!;

/** Parses a request PDU (function code + data). Malformed requests map to the exception a slave returns. */
export function parseRequestPdu(pdu: Uint8Array): ParsedRequest {
  const fc = pdu[0] ?? 0;
  const bad = (exception: number): ParsedRequest => ({ ok: false, fc, exception });
  switch (fc) {
    case 0x01:
    case 0x02: {
      if (pdu.length !== 5) return bad(ExceptionCode.IllegalDataValue);
      const count = u16(pdu, 3);
      if (count < 1 || count > 2000) return bad(ExceptionCode.IllegalDataValue);
      return { ok: true, request: { kind: "readBits", fc, address: u16(pdu, 1), count } };
    }
    case 0x03:
    case 0x04: {
      if (pdu.length !== 5) return bad(ExceptionCode.IllegalDataValue);
      const count = u16(pdu, 3);
      if (count < 1 || count > 125) return bad(ExceptionCode.IllegalDataValue);
      return { ok: true, request: { kind: "readRegisters", fc, address: u16(pdu, 1), count } };
    }
    case 0x05: {
      const raw = u16(pdu, 3);
      if (pdu.length !== 5 || (raw !== 0xff00 && raw !== 0x0000)) return bad(ExceptionCode.IllegalDataValue);
      return { ok: true, request: { kind: "writeCoil", fc, address: u16(pdu, 1), value: raw === 0xff00 } };
    }
    case 0x06:
      if (pdu.length !== 5) return bad(ExceptionCode.IllegalDataValue);
      return { ok: true, request: { kind: "writeRegister", fc, address: u16(pdu, 1), value: u16(pdu, 3) } };
    case 0x0f: {
      const count = u16(pdu, 3);
      const byteCount = pdu[5] ?? 0;
      if (count < 1 || count > 1968 || byteCount !== Math.ceil(count / 8) || pdu.length !== 6 + byteCount) {
        return bad(ExceptionCode.IllegalDataValue);
      }
      const values = Array.from({ length: count }, (_, i) => ((pdu[6 + (i >> 3)]! >> (i & 7)) & 1) === 1);
      return { ok: true, request: { kind: "writeCoils", fc, address: u16(pdu, 1), values } };
    }
    case 0x10: {
      const count = u16(pdu, 3);
      const byteCount = pdu[5] ?? 0;
      if (count < 1 || count > 123 || byteCount !== count * 2 || pdu.length !== 6 + byteCount) {
        return bad(ExceptionCode.IllegalDataValue);
      }
      const values = Array.from({ length: count }, (_, i) => u16(pdu, 6 + i * 2));
      return { ok: true, request: { kind: "writeRegisters", fc, address: u16(pdu, 1), values } };
    }
    default:
      return bad(ExceptionCode.IllegalFunction);
  }
}

/** Builds an exception response PDU: function code with the high bit set, then the exception code. */
export function exceptionPdu(fc: number, exception: number): Uint8Array {
  return Uint8Array.of((fc | 0x80) & 0xff, exception);
}

/** Builds the normal response PDU for a request, given the data read (for reads). */
export function responsePdu(
  request: ModbusRequest,
  data?: readonly number[] | readonly boolean[],
): Uint8Array {
  switch (request.kind) {
    case "readBits": {
      const bits = (data ?? []) as readonly boolean[];
      const byteCount = Math.ceil(request.count / 8);
      const out = new Uint8Array(2 + byteCount);
      out[0] = request.fc;
      out[1] = byteCount;
      bits.slice(0, request.count).forEach((bit, i) => {
        if (bit) out[2 + (i >> 3)]! |= 1 << (i & 7);
      });
      return out;
    }
    case "readRegisters": {
      const words = (data ?? []) as readonly number[];
      const out = new Uint8Array(2 + request.count * 2);
      out[0] = request.fc;
      out[1] = request.count * 2;
      words.slice(0, request.count).forEach((word, i) => {
        out[2 + i * 2] = (word >>> 8) & 0xff;
        out[3 + i * 2] = word & 0xff;
      });
      return out;
    }
    case "writeCoil":
      return Uint8Array.of(
        request.fc,
        request.address >> 8,
        request.address & 0xff,
        request.value ? 0xff : 0,
        0,
      );
    case "writeRegister":
      return Uint8Array.of(
        request.fc,
        request.address >> 8,
        request.address & 0xff,
        request.value >> 8,
        request.value & 0xff,
      );
    case "writeCoils":
    case "writeRegisters": {
      const count = request.values.length;
      return Uint8Array.of(
        request.fc,
        request.address >> 8,
        request.address & 0xff,
        count >> 8,
        count & 0xff,
      );
    }
  }
}

/** Encodes a read request PDU (used by tests and the line-timing model). */
export function readRequestPdu(fc: number, address: number, count: number): Uint8Array {
  return Uint8Array.of(fc, address >> 8, address & 0xff, count >> 8, count & 0xff);
}
