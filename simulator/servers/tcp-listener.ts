/**
 * The TCP side every simulated endpoint shares (Modbus TCP, RTU over TCP, DL/T 645 behind a transparent
 * converter): listening with one clear error, keeping the open sockets, and closing them all at stop.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { ErrorCode } from "../../core/errors.ts";
import { SimError } from "../core/sim-error.ts";

export class TcpListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  /** `onSocket` gets each accepted socket, already tracked, with no delay and errors ending it. */
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onSocket: (socket: Socket) => void,
  ) {}

  /** Listens; a port in use, an address not on this host or a privileged port is one clear SimError. */
  async start(): Promise<AddressInfo> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.port, this.host, () => resolve());
      });
    } catch (error) {
      this.server = undefined;
      const code = (error as NodeJS.ErrnoException).code;
      const reason =
        code === "EADDRINUSE"
          ? "is already in use"
          : code === "EADDRNOTAVAIL"
            ? "is not an address of this host"
            : code === "EACCES"
              ? "needs privileges (ports below 1024)"
              : `cannot be opened (${String(error)})`;
      throw new SimError(ErrorCode.EndpointUnavailable, `TCP ${this.host}:${this.port} ${reason}`, {
        cause: error,
      });
    }
    return server.address() as AddressInfo;
  }

  /** Ends every open connection and stops listening. */
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
    this.onSocket(socket);
  }
}
