/**
 * Serves a DL/T 645 bus on a serial device (a pty end or a USB-RS485 adapter) or on TCP as a transparent
 * TCP-to-RS485 converter passes it (raw frames, no envelope). Frames are found by the codec's framer,
 * by their length byte, so FE wake-up bytes, noise and split requests are handled as a meter does.
 */
import type { AddressInfo, Socket } from "node:net";
import type { SerialPort } from "serialport";
import type { Clock, TimerHandle } from "../../core/clock.ts";
import { Dlt645Framer } from "../../protocols/dlt645/index.ts";
import type { DltSlave } from "../dlt645/dlt-slave.ts";
import { DltReplySender } from "./dlt645-reply-path.ts";
import type { LineTiming } from "./line-timing.ts";
import { openSerialPort } from "./open-serial.ts";
import { TcpListener } from "./tcp-listener.ts";

/** A partial request left this long (real ms) is given up, so a stray 68 cannot block the line. */
const stalePartialMs = 500;

/** Wires a byte stream to the slave: framer in, replies out, stale partial frames dropped. */
function connect(slave: DltSlave, sender: DltReplySender, clock: Clock, send: (bytes: Uint8Array) => void) {
  let startMs = 0;
  let stale: TimerHandle | undefined;
  const framer = new Dlt645Framer({
    frame: (frame, raw) => sender.send(slave.handle(frame), send, raw.length + 4, startMs),
  });
  return {
    push(chunk: Uint8Array): void {
      if (framer.pending === 0) startMs = clock.monotonicMs();
      framer.push(chunk);
      if (stale !== undefined) clock.clearTimeout(stale);
      stale = framer.pending > 0 ? clock.setTimeout(() => framer.reset(), stalePartialMs) : undefined;
    },
    stop(): void {
      if (stale !== undefined) clock.clearTimeout(stale);
    },
  };
}

export interface DltServerOptions {
  clock: Clock;
  lineTiming?: LineTiming;
}

/** DL/T 645 on a serial device. */
export class DltSerialServer {
  private port: SerialPort | undefined;
  private readonly sender: DltReplySender;
  private link: ReturnType<typeof connect> | undefined;

  /**
   * @param baudRate 1200..921600 (DL/T 645 meters: usually 2400)
   * @param parity usually even (8E1)
   */
  constructor(
    private readonly slave: DltSlave,
    private readonly path: string,
    private readonly baudRate: number,
    private readonly parity: "none" | "even" | "odd",
    private readonly options: DltServerOptions,
  ) {
    this.sender = new DltReplySender(options.clock, options.lineTiming);
  }

  async start(): Promise<void> {
    const port = await openSerialPort(this.path, this.baudRate, this.parity);
    this.port = port;
    const link = connect(this.slave, this.sender, this.options.clock, (bytes) => {
      if (port.isOpen) port.write(Buffer.from(bytes));
    });
    this.link = link;
    port.on("data", (chunk: Buffer) => link.push(chunk));
    port.on("error", () => {});
  }

  async stop(): Promise<void> {
    this.sender.stop();
    this.link?.stop();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

/** DL/T 645 frames over TCP, as a transparent converter passes them. */
export class DltTcpServer {
  private readonly listener: TcpListener;
  private readonly sender: DltReplySender;

  constructor(
    private readonly slave: DltSlave,
    private readonly host: string,
    private readonly port: number,
    private readonly options: DltServerOptions,
  ) {
    this.sender = new DltReplySender(options.clock, options.lineTiming);
    this.listener = new TcpListener(host, port, (socket) => this.accept(socket));
  }

  /** Listens; a port in use, an address not on this host or a privileged port is one clear SimError. */
  start(): Promise<AddressInfo> {
    return this.listener.start();
  }

  async stop(): Promise<void> {
    this.sender.stop();
    await this.listener.stop();
  }

  private accept(socket: Socket): void {
    const link = connect(this.slave, this.sender, this.options.clock, (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    });
    socket.on("close", () => link.stop());
    socket.on("data", (chunk) => link.push(chunk));
  }
}
