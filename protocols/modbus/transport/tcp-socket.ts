/**
 * The TCP socket under a Modbus TCP or RTU-over-TCP transport, owned by us rather than by
 * modbus-serial, so that every step is bounded and every way a connection ends has its own code:
 * connect has a deadline (CONNECT_TIMEOUT), a FIN is CONNECTION_CLOSED, an RST is CONNECTION_RESET,
 * a peer that vanished without either is found by TCP keepalive (CONNECTION_LOST), and close gives a
 * peer that ignores our FIN a short grace period, then destroys the socket (no FIN-WAIT-2 hang).
 */
import { createConnection, type Socket } from "node:net";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";

/** How a connection ended, as the error the next (or the pending) request fails with. */
export type ConnectionLoss = GatewayError;

export interface ConnectOptions {
  host: string;
  port: number;
  /** Human-readable endpoint for messages, e.g. `tcp 10.0.0.5:502`. */
  description: string;
  /** Deadline for the TCP handshake, ms (1..60000). */
  connectTimeoutMs: number;
  /** Idle time before the first TCP keepalive probe, ms (1000..7200000). */
  keepAliveMs: number;
  /**
   * Reads into `buffer` and hands each read to `callback` (node:net's `onread`), instead of a new
   * Buffer and a 'data' event per read: the bytes are valid only during the call. 'end', 'error' and
   * 'close' come as without it.
   */
  onread?: { buffer: Uint8Array; callback: (bytes: number, buffer: Uint8Array) => boolean };
}

/** Opens a TCP connection within `connectTimeoutMs`, or rejects with a named error. */
export function connectSocket(options: ConnectOptions): Promise<Socket> {
  const { host, port, description, connectTimeoutMs } = options;
  return new Promise<Socket>((resolve, reject) => {
    // `onread` is an option of net.connect() (node:net docs), which gives it to the new Socket;
    // socket.connect() on a Socket already made ignores it.
    const socket = createConnection({ host, port, onread: options.onread }, () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      // Detects a peer that vanished while the connection is idle (cable pulled, converter powered off).
      socket.setKeepAlive(true, options.keepAliveMs);
      socket.setNoDelay(true);
      resolve(socket);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new GatewayError(
          ErrorCode.ConnectTimeout,
          `${description}: no connection within ${connectTimeoutMs} ms (host down or unreachable?)`,
          { endpoint: description },
        ),
      );
    }, connectTimeoutMs);
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(connectError(error, description));
    });
  });
}

function connectError(error: NodeJS.ErrnoException, description: string): GatewayError {
  const context = { endpoint: description, errno: error.code };
  switch (error.code) {
    case "ECONNREFUSED":
      return new GatewayError(ErrorCode.ConnectionRefused, `${description}: connection refused`, context);
    case "ECONNRESET":
      return new GatewayError(
        ErrorCode.ConnectionReset,
        `${description}: connection reset by the peer`,
        context,
      );
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new GatewayError(
        ErrorCode.ConnectTimeout,
        `${description}: host unreachable (${error.code})`,
        context,
      );
    default:
      return new GatewayError(ErrorCode.TransportError, `${description}: ${error.message}`, context, {
        cause: error,
      });
  }
}

/**
 * Watches an open socket and calls `onLoss` once, with the error that says how the connection ended.
 * Returns the loss so far (undefined while the connection is up).
 */
export function watchSocket(
  socket: Socket,
  description: string,
  onLoss: (loss: ConnectionLoss) => void,
): () => ConnectionLoss | undefined {
  let loss: ConnectionLoss | undefined;
  const lost = (error: GatewayError) => {
    if (loss !== undefined) return;
    loss = error;
    onLoss(error);
  };
  const context = { endpoint: description };
  socket.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "ECONNRESET" || error.code === "EPIPE") {
      lost(
        new GatewayError(ErrorCode.ConnectionReset, `${description}: connection reset by the peer`, context),
      );
    } else if (error.code === "ETIMEDOUT" || error.code === "EHOSTUNREACH") {
      lost(
        new GatewayError(
          ErrorCode.ConnectionLost,
          `${description}: the peer stopped answering TCP (${error.code}): cable, power or network`,
          context,
        ),
      );
    } else {
      lost(new GatewayError(ErrorCode.TransportError, `${description}: ${error.message}`, context));
    }
  });
  socket.on("end", () =>
    lost(
      new GatewayError(ErrorCode.ConnectionClosed, `${description}: connection closed by the peer`, context),
    ),
  );
  socket.on("close", () =>
    lost(
      new GatewayError(ErrorCode.ConnectionClosed, `${description}: connection closed by the peer`, context),
    ),
  );
  return () => loss;
}

/**
 * Ends a connection politely (FIN) and waits up to `graceMs` for the peer to close its side; then,
 * or at once if the socket is already gone, destroys it. Never waits longer than `graceMs`.
 */
export async function closeSocket(socket: Socket, graceMs: number): Promise<void> {
  if (socket.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      // The peer ignores our FIN (our side would sit in FIN-WAIT-2): give up on it.
      socket.destroy();
      resolve();
    }, graceMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}
