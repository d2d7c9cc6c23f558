/** TCP ports for test servers: finding a free one and waiting until one accepts connections. */
import { createConnection, createServer } from "node:net";
import { waitFor } from "./wait-for.ts";

/** Loopback address every test server binds to (never a routable address). */
export const LOOPBACK = "127.0.0.1";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: listens on port 0, reads the port the kernel
 * chose, and closes. Another process may take it before you bind, so starters retry on EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("freePort: no TCP address");
  return address.port;
}

/** True if a TCP connection to `host:port` is accepted right now. */
export function acceptsConnections(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Options of {@link waitForPort}. */
export interface WaitForPortOptions {
  /** Loopback host, default 127.0.0.1. */
  host?: string;
  /** Give up after this long, in ms. 1..600000, default 10000. */
  timeoutMs?: number;
  /** Stops waiting early with this error (e.g. "the broker exited") when it returns a string. */
  abortIf?: () => string | undefined;
}

/** Polls until `port` accepts TCP connections; throws on timeout or when `abortIf` reports a reason. */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  const { host = LOOPBACK, timeoutMs = 10_000, abortIf } = options;
  let abortReason: string | undefined;
  await waitFor(
    async () => {
      abortReason = abortIf?.();
      if (abortReason !== undefined) return true;
      return acceptsConnections(port, host);
    },
    { timeoutMs, intervalMs: 25, description: `${host}:${port} to accept TCP connections` },
  );
  if (abortReason !== undefined) throw new Error(abortReason);
}
