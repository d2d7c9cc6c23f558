/**
 * The master's side of the Modbus PDU codec (Modbus Application Protocol v1.1b3, section 6): the
 * request PDUs a master sends and the checks on the replies it gets back. Pure; the lean Modbus TCP
 * client (transport/mbap-client.ts) uses it, pdu.ts holds the slave's side.
 */
import type { BitReadFc, RegisterReadFc } from "./pdu.ts";

/** What a reply PDU says: the value, a Modbus exception, or why it is not a valid answer. */
export type ReplyCheck<T> =
  | { kind: "value"; value: T }
  | { kind: "exception"; exceptionCode: number }
  /** Fewer bytes than the request calls for (a reply cut short). */
  | { kind: "short"; reason: string }
  /** Not an answer to this request (another function code, a byte count that does not fit). */
  | { kind: "bad"; reason: string };

/** Encodes FC 05 (write single coil): 0xFF00 on, 0x0000 off (section 6.5). */
export function writeCoilPdu(address: number, value: boolean): Uint8Array {
  return Uint8Array.of(0x05, (address >> 8) & 0xff, address & 0xff, value ? 0xff : 0x00, 0x00);
}

/** Encodes FC 06 (write single register), section 6.6. */
export function writeRegisterPdu(address: number, value: number): Uint8Array {
  return Uint8Array.of(0x06, (address >> 8) & 0xff, address & 0xff, (value >> 8) & 0xff, value & 0xff);
}

/**
 * Encodes FC 16 (write multiple registers), section 6.12: 1..123 registers. The reply echoes the
 * address and the quantity (checkWriteMultipleReply).
 */
export function writeRegistersPdu(address: number, values: readonly number[]): Uint8Array {
  const pdu = new Uint8Array(6 + values.length * 2);
  pdu.set([
    0x10,
    (address >> 8) & 0xff,
    address & 0xff,
    values.length >> 8,
    values.length & 0xff,
    values.length * 2,
  ]);
  values.forEach((v, i) => pdu.set([(v >> 8) & 0xff, v & 0xff], 6 + i * 2));
  return pdu;
}

/** The exception or function-code mismatch of a reply, or undefined when it answers `fc` normally. */
function checkFunction(fc: number, pdu: Uint8Array): ReplyCheck<never> | undefined {
  const replyFc = pdu[0];
  if (replyFc === undefined) return { kind: "short", reason: "empty reply PDU" };
  // An exception reply echoes the function code with the high bit set, then one code (section 7).
  if (replyFc === (fc | 0x80)) {
    const exceptionCode = pdu[1];
    if (exceptionCode === undefined) return { kind: "short", reason: "exception reply without its code" };
    return { kind: "exception", exceptionCode };
  }
  if (replyFc !== fc) return { kind: "bad", reason: `function code ${replyFc} in reply to ${fc}` };
  return undefined;
}

/** The byte count of a read reply (byte 1) against what `expectedBytes` calls for. */
function checkByteCount(pdu: Uint8Array, expectedBytes: number): ReplyCheck<never> | undefined {
  const byteCount = pdu[1];
  if (byteCount === undefined) return { kind: "short", reason: "reply without its byte count" };
  if (byteCount !== expectedBytes)
    return { kind: "bad", reason: `byte count ${byteCount}, expected ${expectedBytes}` };
  if (pdu.length < 2 + byteCount)
    return { kind: "short", reason: `${pdu.length - 2} of ${byteCount} data bytes` };
  if (pdu.length > 2 + byteCount)
    return { kind: "bad", reason: `${pdu.length - 2 - byteCount} bytes past the data` };
  return undefined;
}

/**
 * Checks an FC 03/04 reply for `count` registers and returns the words (section 6.3, 6.4): in `into`
 * when given (its first `count` entries), else in a new array.
 */
export function checkRegistersReply(
  fc: RegisterReadFc,
  count: number,
  pdu: Uint8Array,
  into?: number[],
): ReplyCheck<number[]> {
  const problem = checkFunction(fc, pdu) ?? checkByteCount(pdu, count * 2);
  if (problem !== undefined) return problem;
  const words = into ?? new Array<number>(count);
  for (let i = 0; i < count; i++) words[i] = (pdu[2 + i * 2]! << 8) | pdu[3 + i * 2]!;
  return { kind: "value", value: words };
}

/** Checks an FC 01/02 reply for `count` bits, LSB of the first byte first (section 6.1, 6.2). */
export function checkBitsReply(fc: BitReadFc, count: number, pdu: Uint8Array): ReplyCheck<boolean[]> {
  const problem = checkFunction(fc, pdu) ?? checkByteCount(pdu, Math.ceil(count / 8));
  if (problem !== undefined) return problem;
  const bits = new Array<boolean>(count);
  for (let i = 0; i < count; i++) bits[i] = ((pdu[2 + (i >> 3)]! >> (i & 7)) & 1) === 1;
  return { kind: "value", value: bits };
}

/** Checks the reply to a single write (FC 05/06), which echoes the request (section 6.5, 6.6). */
export function checkEchoReply(request: Uint8Array, pdu: Uint8Array): ReplyCheck<true> {
  const problem = checkFunction(request[0]!, pdu);
  if (problem !== undefined) return problem;
  if (pdu.length < request.length)
    return { kind: "short", reason: `${pdu.length} of ${request.length} echo bytes` };
  for (let i = 0; i < request.length; i++) {
    if (pdu[i] !== request[i]) return { kind: "bad", reason: "the echo differs from the request" };
  }
  if (pdu.length > request.length) return { kind: "bad", reason: "bytes past the echo" };
  return { kind: "value", value: true };
}

/** Checks an FC 16 reply: function code, then the request's address and quantity echoed (section 6.12). */
export function checkWriteMultipleReply(request: Uint8Array, pdu: Uint8Array): ReplyCheck<true> {
  const mismatch = checkFunction(0x10, pdu);
  if (mismatch !== undefined) return mismatch;
  if (pdu.length < 5) return { kind: "short", reason: `write reply of ${pdu.length} bytes, expected 5` };
  for (let i = 1; i < 5; i++)
    if (pdu[i] !== request[i])
      return { kind: "bad", reason: "write reply does not echo address and quantity" };
  return { kind: "value", value: true };
}
