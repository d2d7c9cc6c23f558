/** TCP ports for test servers: finding a free one and waiting until one accepts connections. */
import { createConnection, createServer } from "node:net";
import { waitFor } from "./wait-for.ts";

/** Loopback address every test server binds to (never a routable address). */
export const LOOPBACK = "127.0.0.1";

/** Ports this process has handed out; the kernel may offer a just-closed port again. */
const handedOut = new Set<number>();
/** Candidates tried before giving up. */
const TRIES = 50;

/**
 * Each vitest worker draws from its own block below the kernel's ephemeral range (32768 up), so
 * two workers never pick the same port and no outgoing connection or port-0 server takes one.
 */
/** TEST_PORT_BASE moves the blocks, so two checkouts can run their suites side by side. */
const BLOCK_BASE = Number.parseInt(process.env.TEST_PORT_BASE ?? "", 10) || 20_000;
const BLOCK_SIZE = 1_500;
const BLOCKS = 8;
const poolId = Number.parseInt(process.env.VITEST_POOL_ID ?? "", 10);
const block =
  Number.isInteger(poolId) && poolId >= 1 ? BLOCK_BASE + ((poolId - 1) % BLOCKS) * BLOCK_SIZE : undefined;
/** Next candidate offset in this worker's block; random start, so files run one after another in a worker rarely meet a port still in TIME_WAIT. */
let nextOffset = Math.floor(Math.random() * BLOCK_SIZE);

/** Listens on `port` (0: the kernel chooses), closes, and returns the port; undefined if in use. */
async function tryBind(port: number): Promise<number | undefined> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(false);
      else reject(error);
    });
    server.listen(port, LOOPBACK, () => resolve(true));
  });
  if (!bound) return undefined;
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("freePort: no TCP address");
  return address.port;
}

/** The next port to try: from this worker's block, or whatever the kernel offers outside vitest. */
function candidate(): number {
  if (block === undefined) return 0;
  const port = block + nextOffset;
  nextOffset = (nextOffset + 1) % BLOCK_SIZE;
  return port;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Never the same port twice in one process
 * (two brokers started together once got the same one from the kernel), and under vitest never one
 * another worker may pick. A process outside the tests may still take it before you bind, so
 * starters check that their own server holds the port and retry on EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const wanted = candidate();
    if (handedOut.has(wanted)) continue;
    const port = await tryBind(wanted);
    if (port === undefined || handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`freePort: no free port on ${LOOPBACK} after ${TRIES} tries`);
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
