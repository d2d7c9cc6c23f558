/**
 * A DL/T 645 master for tests, built only from the codec (protocols/dlt645) and a serial port: it
 * sends request bytes, frames the answer with the codec's framer and times out if none comes. Tests
 * use it to drive the simulator over a real pty without the gateway.
 */
import { SerialPort } from "serialport";
import {
  Dlt645Framer,
  MultiFrameRead,
  encodeFrame,
  readFrame,
  type Dlt645Frame,
  type MultiFrameStep,
} from "../../protocols/dlt645/index.ts";

export interface Dlt645Master {
  /** Sends request bytes and resolves with the next whole frame, or rejects after `timeoutMs`. */
  request(bytes: Uint8Array, timeoutMs?: number): Promise<Dlt645Frame>;
  /** Sends bytes that get no reply (a broadcast). */
  send(bytes: Uint8Array): Promise<void>;
  /** Reads a DI, following 0xB1/0xB2 with 0x12 follow-ups; the complete payload or the meter's error. */
  read(address: string, di: number): Promise<Exclude<MultiFrameStep, { kind: "follow-up" }>>;
  /** Frames and bytes the framer saw, for assertions on resynchronisation. */
  readonly framer: Dlt645Framer;
  close(): Promise<void>;
}

/** Opens `path` at `baudRate` 8`parity`1 (DL/T 645 default 2400 8E1). */
export async function openDlt645Master(
  path: string,
  options: { baudRate?: number; parity?: "none" | "even" | "odd" } = {},
): Promise<Dlt645Master> {
  const port = new SerialPort({
    path,
    baudRate: options.baudRate ?? 2400,
    parity: options.parity ?? "even",
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  let waiting: ((frame: Dlt645Frame) => void) | undefined;
  const framer = new Dlt645Framer({ frame: (frame) => waiting?.(frame) });
  port.on("data", (chunk: Buffer) => framer.push(chunk));
  const write = (bytes: Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      port.write(Buffer.from(bytes), (err) => (err ? reject(err) : port.drain(() => resolve()))),
    );
  const request = async (bytes: Uint8Array, timeoutMs = 2000): Promise<Dlt645Frame> => {
    const answer = new Promise<Dlt645Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting = undefined;
        reject(new Error(`no DL/T 645 reply within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting = (frame) => {
        clearTimeout(timer);
        waiting = undefined;
        resolve(frame);
      };
    });
    await write(bytes);
    return answer;
  };
  return {
    framer,
    request,
    send: write,
    async read(address, di) {
      const multi = new MultiFrameRead(address, di);
      let step = multi.accept(await request(encodeFrame(readFrame(address, di))));
      while (step.kind === "follow-up") step = multi.accept(await request(encodeFrame(step.frame)));
      return step;
    },
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
