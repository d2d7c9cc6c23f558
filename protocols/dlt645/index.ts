/**
 * DL/T 645-2007 codec: the one entry point for the gateway and the simulator. Pure: bytes in, values
 * out; no I/O, no timers. Every export is documented where it is defined (units and bounds there).
 *
 * - Frames: {@link encodeFrame} / {@link decodeFrame}, the stream {@link Dlt645Framer} (finds frames by
 *   the L byte, skips FE and garbage, resynchronises, counts what it dropped).
 * - Master side: build requests ({@link buildReadRequest}, {@link buildFollowUpRequest},
 *   {@link buildReadAddressRequest}, {@link buildBroadcastTime}, {@link buildWriteRequest},
 *   {@link buildRelayControl}, {@link buildSecuredRelayControl}), parse replies ({@link parseReadReply},
 *   {@link parseReadAddressReply}, {@link parseWriteReply}, {@link parseRelayReply}), and assemble
 *   multi-frame reads ({@link MultiFrameRead}).
 * - Meter side (simulator): {@link parseRequest} and the `*ReplyFrame` builders.
 * - Data: the DI table ({@link findDataId}), field formats, {@link decodeDataValues} into base units
 *   (energy in integer Wh, money in integer fen), status word 3 bits.
 */
export {
  addressMatches,
  broadcastAddress,
  decodeAddress,
  encodeAddress,
  fromBcdByte,
  isAddress,
  toBcdByte,
  wildcardAddress,
  type Dlt645Address,
} from "./bcd.ts";
export {
  FunctionCode,
  ReplyControl,
  composeControl,
  decodeErrorByte,
  encodeErrorByte,
  errorReasonBits,
  isKnownFunction,
  parseControl,
  type ControlFields,
  type ErrorReason,
  type MeterError,
} from "./control.ts";
export {
  checksum,
  decodeFrame,
  encodeFrame,
  frameEnd,
  frameOverheadBytes,
  frameStart,
  maskData,
  maxDataBytes,
  parseFrameAt,
  unmaskData,
  wakeUpByte,
  type Dlt645Frame,
  type EncodeOptions,
  type FrameDefect,
  type FrameParse,
} from "./frame.ts";
export {
  Dlt645Framer,
  type DiscardReason,
  type Dlt645FramerCounters,
  type Dlt645FramerEvents,
} from "./framer.ts";
export {
  baseToMantissa,
  baseUnits,
  decodeField,
  decodeMantissa,
  encodeField,
  encodeMantissa,
  formatBytes,
  mantissaToBase,
  type DateTimeFormat,
  type DateTimeLayout,
  type DigitsFormat,
  type BitsFormat,
  type Dlt645DateTime,
  type Dlt645Unit,
  type FieldFormat,
  type FieldValue,
  type NumberFormat,
} from "./formats.ts";
export {
  dailyFreezeTimeDi,
  dailyFrozenForwardDi,
  dailyFrozenReverseDi,
  dataIdTable,
  energyFormat,
  findDataId,
  formatDi,
  maxDailyFreezes,
  parseDi,
  type DataIdEntry,
} from "./data-ids.ts";
export {
  decodeDataValues,
  decodeStatusWord3,
  encodeDataValues,
  encodeStatusWord3,
  payloadBytes,
  type StatusWord3,
} from "./values.ts";
export {
  RelayCommand,
  buildRelayControl,
  buildSecuredRelayControl,
  decodeRelayBody,
  encodeCredentials,
  encodePassword,
  relayCommandName,
  relayControlData,
  relayControlFrame,
  type Credentials,
  type PasswordOrder,
  type RelayCommandName,
  type RelayControlBody,
  type RelayControlRequest,
  type SecuredRelayControlRequest,
} from "./relay.ts";
export {
  broadcastTimeFrame,
  buildBroadcastTime,
  buildFollowUpRequest,
  buildReadAddressRequest,
  buildReadRequest,
  buildWriteRequest,
  decodeDi,
  encodeDi,
  followUpFrame,
  readFrame,
  type WriteRequest,
} from "./requests.ts";
export {
  parseReadAddressReply,
  parseReadReply,
  parseRelayReply,
  parseWriteReply,
  type AckReply,
  type ReadData,
  type ReadExpectation,
  type ReadRefused,
  type ReadReply,
} from "./replies.ts";
export { MultiFrameRead, maxFollowUps, type MultiFrameStep } from "./multi-frame.ts";
export {
  ackReplyFrame,
  errorReplyFrame,
  parseRequest,
  readAddressReplyFrame,
  readReplyFrame,
  type Dlt645Request,
  type ReceivedCredentials,
} from "./meter-side.ts";
export {
  dltBitsPerCharacter,
  dltWireTimeMs,
  maxReadsPerSecond,
  readTransactionMs,
  readWireBytes,
} from "./timing.ts";
