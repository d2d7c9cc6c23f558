/**
 * Serves a SimBus over Modbus TCP (MBAP) or RTU-over-TCP (RTU frames with CRC in a TCP stream, as a
 * transparent TCP-to-RS485 converter passes them).
 */
import type { AddressInfo, Socket } from "node:net";
import type { Clock } from "../../core/clock.ts";
import { SystemClock } from "../../core/clock.ts";
import { withCrc } from "../../protocols/modbus/crc.ts";
import { MbapFramer, RtuRequestFramer, encodeMbap } from "../../protocols/modbus/framing.ts";
import type { SimBus, SlaveReply } from "../core/sim-bus.ts";
import type { LineTiming } from "./line-timing.ts";
import { ReplySender } from "./reply-path.ts";
import { TcpListener } from "./tcp-listener.ts";

export interface TcpServerOptions {
  host: string;
  /** TCP port, 0..65535; 0 picks a free one. */
  port: number;
  /** `rtu-over-tcp` frames like a serial line (a TCP-to-RS485 converter in transparent mode). */
  framing?: "mbap" | "rtu-over-tcp";
  /** Wire time of the simulated RS-485 line behind an RTU-over-TCP converter; not for MBAP. */
  lineTiming?: LineTiming;
  /** Clock for reply delays; default the system clock. */
  clock?: Clock;
  /**
   * Replaces the reply path (framing, faults, timing) with a custom one; default sends the reply with its
   * faults applied.
   */
  transmit?: (
    reply: SlaveReply,
    send: (bytes: Uint8Array) => void,
    frame: (r: { unit: number; pdu: Uint8Array }) => Uint8Array,
  ) => void;
}

export class SimTcpServer {
  private readonly listener: TcpListener;
  private readonly sender: ReplySender;
  private readonly clock: Clock;

  constructor(
    private readonly bus: SimBus,
    private readonly options: TcpServerOptions,
  ) {
    this.clock = options.clock ?? new SystemClock();
    const framing = options.framing === "rtu-over-tcp" ? "rtu" : "mbap";
    this.sender = new ReplySender(this.clock, framing, framing === "rtu" ? options.lineTiming : undefined);
    this.listener = new TcpListener(options.host, options.port, (socket) => this.accept(socket));
  }

  /** Listens; a port in use or an address not on this host is one clear SimError. */
  start(): Promise<AddressInfo> {
    return this.listener.start();
  }

  async stop(): Promise<void> {
    this.sender.stop();
    await this.listener.stop();
  }

  private accept(socket: Socket): void {
    const send = (bytes: Uint8Array) => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const custom = this.options.transmit;
    if (this.options.framing === "rtu-over-tcp") {
      const framer = new RtuRequestFramer({
        frame: (unit, pdu) => {
          const reply = this.bus.handle(unit, pdu);
          if (custom !== undefined) custom(reply, send, (r) => withCrc(Uint8Array.of(r.unit, ...r.pdu)));
          else
            this.sender.send(reply, send, {
              requestBytes: pdu.length + 3,
              requestStartMs: this.clock.monotonicMs(),
            });
        },
      });
      socket.on("data", (chunk) => framer.push(chunk));
      return;
    }
    const framer = new MbapFramer(
      (frame) => {
        const reply = this.bus.handle(frame.unit, frame.pdu);
        if (custom !== undefined) custom(reply, send, (r) => encodeMbap(frame.transactionId, r.unit, r.pdu));
        else
          this.sender.send(reply, send, {
            transactionId: frame.transactionId,
            requestBytes: frame.pdu.length + 7,
            requestStartMs: 0,
          });
      },
      () => socket.destroy(),
    );
    socket.on("data", (chunk) => framer.push(chunk));
  }
}
