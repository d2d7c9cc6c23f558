/**
 * Serves a SimBus over Modbus TCP (MBAP) or RTU-over-TCP (RTU frames with CRC in a TCP stream, as a
 * transparent TCP-to-RS485 converter passes them).
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import type { Clock } from "../../core/clock.ts";
import { SystemClock } from "../../core/clock.ts";
import { withCrc } from "../../protocols/modbus/crc.ts";
import { MbapFramer, RtuRequestFramer, encodeMbap } from "../../protocols/modbus/framing.ts";
import type { SimBus, SlaveReply } from "../core/sim-bus.ts";
import { ErrorCode } from "../../core/errors.ts";
import { SimError } from "../core/sim-error.ts";
import type { LineTiming } from "./line-timing.ts";
import { ReplySender } from "./reply-path.ts";

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
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly sender: ReplySender;
  private readonly clock: Clock;

  constructor(
    private readonly bus: SimBus,
    private readonly options: TcpServerOptions,
  ) {
    this.clock = options.clock ?? new SystemClock();
    const framing = options.framing === "rtu-over-tcp" ? "rtu" : "mbap";
    this.sender = new ReplySender(this.clock, framing, framing === "rtu" ? options.lineTiming : undefined);
  }

  /** Listens; a port in use or an address not on this host is one clear SimError. */
  async start(): Promise<AddressInfo> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.options.port, this.options.host, () => resolve());
      });
    } catch (error) {
      this.server = undefined;
      const code = (error as NodeJS.ErrnoException).code;
      const where = `${this.options.host}:${this.options.port}`;
      const reason =
        code === "EADDRINUSE"
          ? "is already in use"
          : code === "EADDRNOTAVAIL"
            ? "is not an address of this host"
            : code === "EACCES"
              ? "needs privileges (ports below 1024)"
              : `cannot be opened (${String(error)})`;
      throw new SimError(ErrorCode.EndpointUnavailable, `TCP ${where} ${reason}`, { cause: error });
    }
    return server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    this.sender.stop();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
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
