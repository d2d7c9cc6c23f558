/**
 * Hostile Modbus TCP peers as small real TCP servers on 127.0.0.1, for what a field network does to a
 * gateway (issue 10, defect 3):
 * - `accept-close`: accepts and closes at once (a converter that refuses a second master, a crashed
 *   service behind a port forward);
 * - `silent`: accepts and never answers, and ignores our FIN (allowHalfOpen, never ends its side), so
 *   our socket sits in FIN-WAIT-2 if we only end() it;
 * - `reset`: accepts, waits for the first request, then resets the connection (RST via
 *   socket.resetAndDestroy()), as a converter does when it reboots.
 */
import { createServer, type Server, type Socket } from "node:net";
import { LOOPBACK } from "./ports.ts";
import { freePort } from "./ports.ts";

export type HostileBehaviour = "accept-close" | "silent" | "reset";

/** A running hostile peer. */
export interface HostilePeer {
  readonly behaviour: HostileBehaviour;
  readonly port: number;
  /** `127.0.0.1:PORT`, as `--tcp` takes it. */
  readonly address: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Bytes received from clients so far. */
  bytesReceived(): number;
  /** Stops listening and destroys every connection it still holds. Idempotent. */
  close(): Promise<void>;
}

/** Starts a hostile peer on a free port (retries when another process takes the port first). */
export async function startHostilePeer(behaviour: HostileBehaviour): Promise<HostilePeer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await listen(behaviour, port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 5) throw error;
    }
  }
}

async function listen(behaviour: HostileBehaviour, port: number): Promise<HostilePeer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let received = 0;
  // allowHalfOpen: our FIN does not make the server end its side, so the client's close never completes.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.on("data", (chunk) => {
      received += chunk.length;
      if (behaviour === "reset") socket.resetAndDestroy();
    });
    if (behaviour === "accept-close") socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  let closed = false;
  return {
    behaviour,
    port,
    address: `${LOOPBACK}:${port}`,
    connections: () => accepted,
    bytesReceived: () => received,
    async close() {
      if (closed) return;
      closed = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
