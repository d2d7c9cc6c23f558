/**
 * A small DL/T 645 meter on one end of a real pty pair, built from the codec's meter side: it answers
 * reads (blocks split into follow-up frames on request), refuses DIs it lacks with error 02, takes 0x1C
 * relay commands (checking the password bytes) and can misbehave once (bad checksum, wrong address, a
 * late reply, a truncated frame, silence). Every request frame it received is kept, as bytes, for
 * assertions on what went over the wire. Stands in for `meter-sim --protocol dlt645` in driver tests.
 */
import { createServer, type Socket } from "node:net";
import { SerialPort } from "serialport";
import {
  Dlt645Framer,
  FunctionCode,
  ackReplyFrame,
  encodeDataValues,
  encodeFrame,
  encodeStatusWord3,
  errorReplyFrame,
  findDataId,
  parseRequest,
  readAddressReplyFrame,
  readReplyFrame,
  wildcardAddress,
  type Dlt645Frame,
  type Dlt645Request,
  type FieldValue,
} from "../../protocols/dlt645/index.ts";

/** How the meter misbehaves on the next read it answers. */
export type ResponderFault = "bad-checksum" | "wrong-address" | "silent" | "truncated" | { lateMs: number };

export interface ResponderMeter {
  address: string;
  /** DI -> values in base units (Wh, V, A, W, ...), as the codec's table formats them. */
  values: Map<number, FieldValue[]>;
  /** DIs answered with error 02 (no requested data). */
  refused: Set<number>;
  /** DIs whose reply is split: the first frame carries this many payload bytes, then 0x12 follow-ups. */
  splitAt: Map<number, number>;
  /** The 3 password bytes the meter accepts, as on the wire. */
  passwordBytes: Uint8Array;
  relayOpen: boolean;
  faults: ResponderFault[];
}

export interface Dlt645Responder {
  readonly meters: Map<string, ResponderMeter>;
  /** Every request frame received (decoded), in order. */
  readonly requests: Dlt645Request[];
  /** The raw bytes of every request frame received (68 .. 16), hex, in order. */
  readonly wire: string[];
  close(): Promise<void>;
}

const statusWord3 = 0x04000503;

/** Opens `path` (one end of a pty pair) and answers as the given meters. */
export async function startResponder(path: string, meters: ResponderMeter[]): Promise<Dlt645Responder> {
  const port = new SerialPort({ path, baudRate: 2400, parity: "even", autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const served = serve(meters, (bytes) => port.write(Buffer.from(bytes)));
  port.on("data", (chunk: Buffer) => served.push(new Uint8Array(chunk)));
  return {
    ...served.state,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

/**
 * Listens on `port` (loopback) as a transparent TCP-to-RS485 converter with the meters behind it: raw
 * frames both ways. `onConnection` may take the socket over (to close it under a request).
 */
export async function startTcpResponder(
  port: number,
  meters: ResponderMeter[],
  onConnection?: (socket: Socket) => void,
): Promise<Dlt645Responder> {
  const sockets = new Set<Socket>();
  const state: ResponderState = {
    meters: new Map(meters.map((m) => [m.address, m])),
    requests: [],
    wire: [],
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    const served = serve(meters, (bytes) => socket.write(Buffer.from(bytes)), state);
    socket.on("data", (chunk: Buffer) => served.push(new Uint8Array(chunk)));
    onConnection?.(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    ...state,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type ResponderState = Pick<Dlt645Responder, "meters" | "requests" | "wire">;

/** The meters' side of one byte stream: frames in, replies out through `write`. */
function serve(meters: ResponderMeter[], write: (bytes: Uint8Array) => void, shared?: ResponderState) {
  const state: ResponderState = shared ?? {
    meters: new Map(meters.map((m) => [m.address, m])),
    requests: [],
    wire: [],
  };
  const { requests, wire } = state;
  const byAddress = state.meters;
  const send = (frame: Dlt645Frame, fault?: ResponderFault) => {
    const bytes = encodeFrame(frame);
    if (fault === "bad-checksum") bytes[bytes.length - 2] = (bytes[bytes.length - 2]! + 1) & 0xff;
    if (fault === "truncated") return write(bytes.subarray(0, bytes.length - 3));
    if (typeof fault === "object") return void setTimeout(() => write(bytes), fault.lateMs);
    write(bytes);
  };
  const framer = new Dlt645Framer({
    frame: (frame, raw) => {
      if ((frame.control & 0x80) !== 0) return; // our own replies, should the line echo
      wire.push(Buffer.from(raw).toString("hex"));
      const request = parseRequest(frame);
      requests.push(request);
      if (request.kind === "read-address" && frame.address === wildcardAddress) {
        // Every meter answers the wildcard: with two or more on the line the replies collide.
        write(interleave(meters.map((m) => encodeFrame(readAddressReplyFrame(m.address)))));
        return;
      }
      const meter = byAddress.get(frame.address);
      if (meter === undefined) return;
      const fault = meter.faults.shift();
      if (fault === "silent") return;
      const reply = answer(meter, request);
      if (reply === undefined) return;
      send(fault === "wrong-address" ? { ...reply, address: "999999999998" } : reply, fault);
    },
  });
  return { state, push: (chunk: Uint8Array) => framer.push(chunk) };
}

function answer(meter: ResponderMeter, request: Dlt645Request): Dlt645Frame | undefined {
  switch (request.kind) {
    case "read":
      return readAnswer(meter, request.di, 0);
    case "read-follow-up":
      return readAnswer(meter, request.di, request.sequence);
    case "relay-control":
      return relayAnswer(meter, request);
    default:
      return undefined;
  }
}

function payloadOf(meter: ResponderMeter, di: number): Uint8Array | undefined {
  const entry = findDataId(di);
  const word = {
    relayOpen: meter.relayOpen,
    openCommanded: meter.relayOpen,
    alarmOn: false,
    keepPower: false,
  };
  const values = di === statusWord3 ? [encodeStatusWord3(word)] : meter.values.get(di);
  return entry === undefined || values === undefined ? undefined : encodeDataValues(entry, values);
}

function readAnswer(meter: ResponderMeter, di: number, sequence: number): Dlt645Frame {
  const func = sequence === 0 ? FunctionCode.read : FunctionCode.readFollowUp;
  const payload = payloadOf(meter, di);
  if (meter.refused.has(di) || payload === undefined) return errorReplyFrame(meter.address, func, 0x02);
  const split = meter.splitAt.get(di);
  if (split === undefined) return readReplyFrame(meter.address, di, payload);
  const part = sequence === 0 ? payload.subarray(0, split) : payload.subarray(split);
  const more = sequence === 0;
  return sequence === 0
    ? readReplyFrame(meter.address, di, part, { more })
    : readReplyFrame(meter.address, di, part, { sequence });
}

function relayAnswer(
  meter: ResponderMeter,
  request: Extract<Dlt645Request, { kind: "relay-control" }>,
): Dlt645Frame {
  const passwordOk = Buffer.from(request.passwordBytes).equals(Buffer.from(meter.passwordBytes));
  if (!passwordOk) return errorReplyFrame(meter.address, FunctionCode.relayControl, 0x04);
  const command = request.body[0];
  if (command === 0x1a) meter.relayOpen = true;
  if (command === 0x1c) meter.relayOpen = false;
  return ackReplyFrame(meter.address, FunctionCode.relayControl);
}

/** Frames sent at the same time on one pair of wires: their bytes mixed, as a collision garbles them. */
function interleave(frames: readonly Uint8Array[]): Uint8Array {
  if (frames.length === 1) return frames[0]!;
  const out: number[] = [];
  const longest = Math.max(...frames.map((f) => f.length));
  for (let i = 0; i < longest; i++) for (const frame of frames) if (i < frame.length) out.push(frame[i]!);
  return Uint8Array.from(out);
}
