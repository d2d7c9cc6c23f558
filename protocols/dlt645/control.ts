/**
 * Control byte and error byte (DL/T 645-2007 clause 4.3.3 and 4.3.6). The control byte is
 * D7 direction (1 = meter to master), D6 abnormal reply, D5 follow-up frame exists, D4..D0 function.
 */

/** Function codes (D4..D0 of the control byte) this codec speaks, clause 4.3.3. */
export const FunctionCode = {
  /** Broadcast time sync to 999999999999; no reply (clause 7.1). */
  broadcastTime: 0x08,
  /** Read data by DI (clause 7.2). */
  read: 0x11,
  /** Read follow-up data with a frame sequence number (clause 7.2.3). */
  readFollowUp: 0x12,
  /** Read communication address, usually sent to the wildcard AAAAAAAAAAAA (clause 7.3). */
  readAddress: 0x13,
  /** Write data with password and operator code (clause 7.4). */
  write: 0x14,
  /** Trip, close, alarm and keep-power control (clause 7.12 and State Grid extension). */
  relayControl: 0x1c,
} as const;

/** One of the function codes above. */
export type FunctionCode = (typeof FunctionCode)[keyof typeof FunctionCode];

const functionCodes: ReadonlySet<number> = new Set(Object.values(FunctionCode));

/** The decoded control byte. */
export interface ControlFields {
  /** D4..D0. A number, since a meter may answer with a function this codec does not build. */
  readonly func: number;
  /** D7: true for meter-to-master replies. */
  readonly fromMeter: boolean;
  /** D6: the meter reports an error; the data is one error byte. */
  readonly error: boolean;
  /** D5: more data follows in 0x12 follow-up frames. */
  readonly more: boolean;
}

/** Splits a control byte into its fields. */
export function parseControl(control: number): ControlFields {
  return {
    func: control & 0x1f,
    fromMeter: (control & 0x80) !== 0,
    error: (control & 0x40) !== 0,
    more: (control & 0x20) !== 0,
  };
}

/** Builds a control byte: a request is the bare function code; replies set D7 (and D6 or D5). */
export function composeControl(fields: ControlFields): number {
  return (
    (fields.func & 0x1f) |
    (fields.fromMeter ? 0x80 : 0) |
    (fields.error ? 0x40 : 0) |
    (fields.more ? 0x20 : 0)
  );
}

/** True when `func` is one of {@link FunctionCode}. */
export function isKnownFunction(func: number): func is FunctionCode {
  return functionCodes.has(func);
}

/** Reply control bytes, for readable tests and the simulator: normal, more-follows and error forms. */
export const ReplyControl = {
  read: 0x91,
  readMore: 0xb1,
  readError: 0xd1,
  followUp: 0x92,
  followUpMore: 0xb2,
  followUpError: 0xd2,
  readAddress: 0x93,
  write: 0x94,
  writeError: 0xd4,
  relayControl: 0x9c,
  relayControlError: 0xdc,
} as const;

/** Named reasons of the error byte, bit 0 upwards (clause 4.3.6 table 2 "ERR"). */
export const errorReasonBits = [
  ["other", "other error"],
  ["no-data", "no requested data"],
  ["unauthorised", "password wrong or no authority"],
  ["baud-rate-unchangeable", "communication rate cannot be changed"],
  ["too-many-year-zones", "year time zones exceed the limit"],
  ["too-many-day-periods", "daily time periods exceed the limit"],
  ["too-many-tariffs", "tariffs exceed the limit"],
  ["reserved", "reserved bit 7 set"],
] as const;

/** One named reason of an error byte. */
export type ErrorReason = (typeof errorReasonBits)[number][0];

/** A meter's error reply decoded: the raw byte, its reasons and a plain-words message. */
export interface MeterError {
  /** The error byte, 0..255 (unmasked). */
  readonly errorByte: number;
  /** Each set bit as a name, bit 0 first; `["other"]` for a reply with no bit set. */
  readonly reasons: readonly ErrorReason[];
  /** The reasons in plain words, joined by "; ". */
  readonly message: string;
}

/** Decodes an error byte into named reasons (clause 4.3.6). */
export function decodeErrorByte(errorByte: number): MeterError {
  const found = errorReasonBits.filter((_, bit) => (errorByte & (1 << bit)) !== 0);
  const reasons = found.length > 0 ? found : [errorReasonBits[0]];
  return {
    errorByte: errorByte & 0xff,
    reasons: reasons.map(([name]) => name),
    message: reasons.map(([, words]) => words).join("; "),
  };
}

/** The error byte for the given reasons (the simulator's side of {@link decodeErrorByte}). */
export function encodeErrorByte(reasons: readonly ErrorReason[]): number {
  let byte = 0;
  errorReasonBits.forEach(([name], bit) => {
    if (reasons.includes(name)) byte |= 1 << bit;
  });
  return byte;
}
