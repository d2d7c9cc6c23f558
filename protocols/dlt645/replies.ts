/**
 * Master-side reply parsing (DL/T 645-2007 clause 7). A meter's error reply is a value (`kind: "error"`)
 * the caller decides about; a reply that does not belong to the request (wrong address, function, DI
 * or sequence) throws a GatewayError, because it means the line is confused, not the meter.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { decodeAddress, type Dlt645Address } from "./bcd.ts";
import { FunctionCode, decodeErrorByte, parseControl, type MeterError } from "./control.ts";
import type { Dlt645Frame } from "./frame.ts";
import { decodeDi } from "./requests.ts";
import { formatDi } from "./data-ids.ts";

/** A successful read or follow-up reply. */
export interface ReadData {
  readonly kind: "data";
  readonly di: number;
  /** The data after the DI (and before the sequence byte of a follow-up reply), unmasked. */
  readonly payload: Uint8Array;
  /** D5 set (0xB1/0xB2): send a 0x12 follow-up for the rest. */
  readonly more: boolean;
  /** The sequence number a 0x92/0xB2 reply echoes; absent on 0x91/0xB1. */
  readonly sequence?: number;
}

/** A meter's error reply (0xD1, 0xD2, 0xD4, 0xDC). */
export interface ReadRefused {
  readonly kind: "error";
  readonly error: MeterError;
}

/** The reply to a read: data, or the meter's refusal. */
export type ReadReply = ReadData | ReadRefused;

/** A write or relay reply: accepted (0x94/0x9C, no data) or refused (0xD4/0xDC). */
export type AckReply = { readonly kind: "ok" } | ReadRefused;

function badReply(message: string, frame: Dlt645Frame, context: Record<string, unknown> = {}): GatewayError {
  return new GatewayError(ErrorCode.BadReply, message, {
    address: frame.address,
    control: frame.control,
    ...context,
  });
}

function checkHeader(frame: Dlt645Frame, address: Dlt645Address, func: number): ReadRefused | undefined {
  if (frame.address !== address) {
    throw new GatewayError(ErrorCode.WrongUnit, `reply from meter ${frame.address}, expected ${address}`, {
      address,
      replyAddress: frame.address,
    });
  }
  const control = parseControl(frame.control);
  if (!control.fromMeter || control.func !== func) {
    throw badReply(
      `reply control 0x${frame.control.toString(16)} does not answer function 0x${func.toString(16)}`,
      frame,
    );
  }
  if (!control.error) return undefined;
  if (frame.data.length !== 1) throw badReply("an error reply carries one error byte", frame);
  return { kind: "error", error: decodeErrorByte(frame.data[0] ?? 0) };
}

/** What a read reply must answer: the meter, the DI, and for a follow-up its sequence number. */
export interface ReadExpectation {
  readonly address: Dlt645Address;
  readonly di: number;
  /** Set for a 0x12 follow-up: the sequence number sent, which the reply echoes. */
  readonly sequence?: number;
}

/** Parses the reply to a 0x11 read or (with `sequence`) a 0x12 follow-up. */
export function parseReadReply(frame: Dlt645Frame, expected: ReadExpectation): ReadReply {
  const followUp = expected.sequence !== undefined;
  const refused = checkHeader(
    frame,
    expected.address,
    followUp ? FunctionCode.readFollowUp : FunctionCode.read,
  );
  if (refused) return refused;
  const minimum = followUp ? 5 : 4;
  if (frame.data.length < minimum) throw badReply(`read reply shorter than ${minimum} bytes`, frame);
  const di = decodeDi(frame.data);
  if (di !== expected.di >>> 0) {
    throw badReply(`reply carries DI ${formatDi(di)}, expected ${formatDi(expected.di)}`, frame);
  }
  const more = parseControl(frame.control).more;
  if (!followUp) return { kind: "data", di, payload: frame.data.slice(4), more };
  const sequence = frame.data[frame.data.length - 1] ?? 0;
  if (sequence !== expected.sequence)
    throw badReply(`follow-up reply echoes sequence ${sequence}, sent ${expected.sequence}`, frame);
  return { kind: "data", di, payload: frame.data.slice(4, -1), more, sequence };
}

/** Parses the 0x93 reply to a read-address request: the meter's own address (from the data field). */
export function parseReadAddressReply(frame: Dlt645Frame): Dlt645Address {
  const control = parseControl(frame.control);
  if (
    !control.fromMeter ||
    control.func !== FunctionCode.readAddress ||
    control.error ||
    frame.data.length !== 6
  ) {
    throw badReply("not a read-address reply", frame);
  }
  return decodeAddress(frame.data);
}

/** Parses the reply to a 0x14 write. */
export function parseWriteReply(frame: Dlt645Frame, address: Dlt645Address): AckReply {
  return checkHeader(frame, address, FunctionCode.write) ?? { kind: "ok" };
}

/**
 * Parses the reply to a 0x1C relay command. Any 0xDC is a refusal whatever its byte (some firmware
 * answers 04 for an expired deadline, DOMAIN.md section 5).
 */
export function parseRelayReply(frame: Dlt645Frame, address: Dlt645Address): AckReply {
  return checkHeader(frame, address, FunctionCode.relayControl) ?? { kind: "ok" };
}
