/**
 * Serves a SimBus over Modbus TCP (MBAP) or RTU-over-TCP (RTU frames with CRC in a TCP stream).
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { withCrc } from "../../protocols/modbus/crc.ts";
import { MbapFramer, RtuRequestFramer, encodeMbap } from "../../protocols/modbus/framing.ts";
import type { SimBus, SlaveReply } from "../core/sim-bus.ts";

export interface TcpServerOptions {
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** `rtu-over-tcp` frames like a serial line (a TCP-to-RS485 converter in transparent mode). */
  framing?: "mbap" | "rtu-over-tcp";
  /** Hook to delay, drop or alter replies (fault injection); default sends the reply as is. */
  transmit?: (
    reply: SlaveReply,
    send: (bytes: Uint8Array) => void,
    frame: (r: { unit: number; pdu: Uint8Array }) => Uint8Array,
  ) => void;
}

export class SimTcpServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly bus: SimBus,
    private readonly options: TcpServerOptions,
  ) {}

  async start(): Promise<AddressInfo> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
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
    const transmit =
      this.options.transmit ?? ((reply, out, frame) => ("silent" in reply ? undefined : out(frame(reply))));
    if (this.options.framing === "rtu-over-tcp") {
      const framer = new RtuRequestFramer({
        frame: (unit, pdu) =>
          transmit(this.bus.handle(unit, pdu), send, (r) => withCrc(Uint8Array.of(r.unit, ...r.pdu))),
      });
      socket.on("data", (chunk) => framer.push(chunk));
      return;
    }
    const framer = new MbapFramer(
      (frame) =>
        transmit(this.bus.handle(frame.unit, frame.pdu), send, (r) =>
          encodeMbap(frame.transactionId, r.unit, r.pdu),
        ),
      () => socket.destroy(),
    );
    socket.on("data", (chunk) => framer.push(chunk));
  }
}
