/**
 * One DL/T 645 read as the driver needs it: a 0x11 read of a DI, then 0x12 follow-ups while the meter
 * says more follows (0xB1 / 0xB2, DL/T 645-2007 clause 7.2.3), each frame one transaction of the bus
 * (its gap, timeout and retries). Errors name the DI, so /status, events and `read` say which data
 * failed.
 */
import { ErrorCode, GatewayError, isGatewayError } from "../../core/errors.ts";
import {
  MultiFrameRead,
  decodeDi,
  decodeField,
  formatBytes,
  formatDi,
  parseControl,
  readFrame,
  type DataIdEntry,
  type Dlt645Frame,
  type FieldValue,
} from "../../protocols/dlt645/index.ts";
import type { Dlt645Link } from "../../protocols/dlt645/transport/link.ts";
import type { Transactor } from "../bus/scheduler.ts";

/** Reply error bit 02: the meter has no such data (DL/T 645-2007 clause 4.3.6). */
const noDataBit = 0x02;

/** True for a meter's error reply saying it has no such data (error byte bit 02). */
export function isNoDataReply(error: unknown): error is GatewayError {
  if (!isGatewayError(error, ErrorCode.MeterErrorReply)) return false;
  const byte = error.context["errorByte"];
  return typeof byte === "number" && (byte & noDataBit) !== 0;
}

/** Takes a reply only when it carries `di` (and the follow-up's sequence): a late reply is skipped. */
function answers(di: number, sequence: number | undefined): (reply: Dlt645Frame) => boolean {
  return (reply) => {
    if (parseControl(reply.control).error) return true;
    if (reply.data.length < 4 || decodeDi(reply.data) !== di >>> 0) return false;
    return sequence === undefined || reply.data[reply.data.length - 1] === sequence;
  };
}

/** The same error with `DI 0001FF00: ` in front and `di` in its context; link failures unchanged. */
export function namingDi(error: unknown, di: number): unknown {
  if (!isGatewayError(error) || !diErrorCodes.has(error.code)) return error;
  const text = formatDi(di);
  return new GatewayError(
    error.code,
    `DI ${text}: ${error.message}`,
    { ...error.context, di: text },
    { cause: error },
  );
}

const diErrorCodes: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.Timeout,
  ErrorCode.CrcError,
  ErrorCode.ShortReply,
  ErrorCode.BadReply,
  ErrorCode.WrongUnit,
  ErrorCode.MeterErrorReply,
]);

/**
 * Reads `di` from the meter at `address`: the data after the DI, every follow-up frame's part joined.
 * @throws GatewayError naming the DI; METER_ERROR_REPLY when the meter refuses (see {@link isNoDataReply})
 */
export async function readDi(tx: Transactor<Dlt645Link>, address: string, di: number): Promise<Uint8Array> {
  const read = new MultiFrameRead(address, di);
  let frame = readFrame(address, di);
  let sequence: number | undefined;
  try {
    for (;;) {
      const request = frame;
      const accept = answers(di, sequence);
      const reply = await tx.transact((link, timeoutMs) => link.request(request, timeoutMs, accept));
      const step = read.accept(reply);
      if (step.kind === "complete") return step.payload;
      if (step.kind === "error") {
        // The link rejects error replies itself; this is for a link that hands them over.
        throw new GatewayError(ErrorCode.MeterErrorReply, step.error.message, {
          errorByte: step.error.errorByte,
        });
      }
      frame = step.frame;
      sequence = step.sequence;
    }
  } catch (error) {
    throw namingDi(error, di);
  }
}

/**
 * The fields of a reply payload, in order. A block may come back shorter than the table's count (a
 * meter with two tariffs answers 0001FF00 with 3 values): the fields present are returned.
 * @throws GatewayError(BAD_REPLY) for a payload that is not whole fields, or too long, or not BCD
 */
export function decodeFields(entry: DataIdEntry, payload: Uint8Array): FieldValue[] {
  const size = formatBytes(entry.format);
  const count = payload.length / size;
  if (!Number.isInteger(count) || count < 1 || count > entry.count) {
    throw new GatewayError(
      ErrorCode.BadReply,
      `DI ${formatDi(entry.di)}: ${payload.length} bytes of data, expected ${entry.count} x ${size}`,
      { di: formatDi(entry.di) },
    );
  }
  const values: FieldValue[] = [];
  for (let i = 0; i < count; i++)
    values.push(decodeField(entry.format, payload.subarray(i * size, (i + 1) * size)));
  return values;
}

/** Reads `entry`'s DI and decodes its fields; every failure, decoding included, names the DI. */
export async function readFields(
  tx: Transactor<Dlt645Link>,
  address: string,
  entry: DataIdEntry,
): Promise<FieldValue[]> {
  const payload = await readDi(tx, address, entry.di);
  try {
    return decodeFields(entry, payload);
  } catch (error) {
    throw isGatewayError(error) && error.context["di"] !== undefined ? error : namingDi(error, entry.di);
  }
}
