/**
 * A transparent TCP-to-RS485 converter as a {@link ByteStream}: the socket is connected, watched and
 * closed by the same bounded helpers as the Modbus transports (CONNECT_TIMEOUT, CONNECTION_CLOSED,
 * CONNECTION_RESET, CONNECTION_LOST), and carries raw DL/T 645 frames.
 */
import type { Socket } from "node:net";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import { withDeadline } from "../../modbus/transport/deadline.ts";
import { closeSocket, connectSocket, watchSocket } from "../../modbus/transport/tcp-socket.ts";
import type { ByteStream } from "./byte-stream.ts";
import { describeDlt645Endpoint, type Dlt645Endpoint } from "./endpoint.ts";

type TcpEndpoint = Extract<Dlt645Endpoint, { kind: "tcp" }>;

export class TcpByteStream implements ByteStream {
  readonly description: string;
  private socket: Socket | undefined;
  private loss: GatewayError | undefined;
  private dataListener: ((chunk: Uint8Array) => void) | undefined;
  private lossListener: ((loss: GatewayError) => void) | undefined;

  constructor(
    private readonly endpoint: TcpEndpoint,
    private readonly bounds: { connectTimeoutMs: number; closeTimeoutMs: number; keepAliveMs: number },
  ) {
    this.description = describeDlt645Endpoint(endpoint);
  }

  get isOpen(): boolean {
    return this.socket !== undefined && this.loss === undefined;
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onLoss(listener: (loss: GatewayError) => void): void {
    this.lossListener = listener;
  }

  async open(): Promise<void> {
    const socket = await connectSocket({
      host: this.endpoint.host,
      port: this.endpoint.port,
      description: this.description,
      connectTimeoutMs: this.bounds.connectTimeoutMs,
      keepAliveMs: this.bounds.keepAliveMs,
    });
    this.loss = undefined;
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) this.dataListener?.(new Uint8Array(chunk));
    });
    watchSocket(socket, this.description, (loss) => {
      if (this.socket !== socket) return;
      this.loss = loss;
      this.lossListener?.(loss);
    });
    this.socket = socket;
  }

  async write(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    const socket = this.socket;
    if (this.loss !== undefined) throw this.loss;
    if (socket === undefined) throw new GatewayError(ErrorCode.PortClosed, `${this.description} is not open`);
    const writing = new Promise<void>((resolve, reject) =>
      socket.write(Buffer.from(bytes), (err) => (err ? reject(err) : resolve())),
    );
    await withDeadline(
      writing.catch((error: unknown) => {
        throw (
          this.loss ?? new GatewayError(ErrorCode.TransportError, `${this.description}: ${String(error)}`)
        );
      }),
      timeoutMs,
      () =>
        new GatewayError(
          ErrorCode.TransportError,
          `${this.description}: write not done within ${timeoutMs} ms`,
          {
            endpoint: this.description,
          },
        ),
    );
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) await closeSocket(socket, this.bounds.closeTimeoutMs);
  }
}
