/**
 * The local API on a Unix socket, for the technician's commands while the service runs: whoever may
 * open the socket may act, so access is a file permission. The socket is made 0660: the service's own
 * user and the members of its group (`meter-gateway`, as the installer sets it up) may connect, nobody
 * else. The default umask creates it 0755 first, which lets only the owner connect (connecting needs
 * write permission), so there is no moment when others could.
 */
import { chmodSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** Permissions of the socket: owner and group read and write. */
export const socketMode = 0o660;

/** How long the check for a live owner of a leftover socket waits, ms. */
const probeTimeoutMs = 500;

/** Whether something accepts connections on the socket `path` (a live gateway), within a bound. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    const done = (live: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(false), probeTimeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export class LocalSocket {
  private server: Server | undefined;

  constructor(
    private readonly path: string,
    private readonly handle: (req: IncomingMessage, res: ServerResponse) => void,
  ) {}

  /**
   * Listens on the socket. A leftover socket file of a gateway that died is removed first; one a live
   * process answers on is not taken over (another gateway uses this path): CONFIG_INVALID.
   */
  async start(): Promise<void> {
    if (await answers(this.path)) {
      throw new GatewayError(
        ErrorCode.ConfigInvalid,
        `another process listens on ${this.path}: stop it, or set gateway.socketPath to another path`,
        { socketPath: this.path },
      );
    }
    rmSync(this.path, { force: true });
    const server = createServer(this.handle);
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new GatewayError(ErrorCode.ConfigInvalid, `cannot listen on ${this.path}: ${error.message}`, {
            socketPath: this.path,
          }),
        ),
      );
      server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, socketMode);
    this.server = server;
  }

  /** Stops listening and removes the socket file. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
