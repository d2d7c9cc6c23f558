/**
 * A serial device (USB-RS485 adapter, or one end of a pty pair in tests) as a {@link ByteStream},
 * through serialport. Open, write and close are bounded on real time; the device going away (adapter
 * unplugged, the pty's far end gone) is a loss with code PORT_CLOSED.
 */
import type { SerialPort } from "serialport";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import { withDeadline } from "../../modbus/transport/real-time-deadline.ts";
import type { ByteStream } from "./byte-stream.ts";
import { describeDlt645Endpoint, type Dlt645Endpoint } from "./endpoint.ts";

type SerialEndpoint = Extract<Dlt645Endpoint, { kind: "serial" }>;

export class SerialByteStream implements ByteStream {
  readonly description: string;
  private port: SerialPort | undefined;
  private dataListener: ((chunk: Uint8Array) => void) | undefined;
  private lossListener: ((loss: GatewayError) => void) | undefined;

  constructor(
    private readonly endpoint: SerialEndpoint,
    private readonly bounds: { connectTimeoutMs: number; closeTimeoutMs: number },
  ) {
    this.description = describeDlt645Endpoint(endpoint);
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListener = listener;
  }

  onLoss(listener: (loss: GatewayError) => void): void {
    this.lossListener = listener;
  }

  async open(): Promise<void> {
    const { path, baudRate, parity, dataBits, stopBits } = this.endpoint;
    // Loaded on the first serial link, not with the module: a gateway without serial DL/T 645 buses
    // never needs serialport's code in memory (bench figure 5).
    const { SerialPort } = await import("serialport");
    const port = new SerialPort({ path, baudRate, parity, dataBits, stopBits, autoOpen: false });
    const opening = new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(err) : resolve())),
    );
    try {
      await withDeadline(opening, this.bounds.connectTimeoutMs, () => {
        opening.then(() => port.close(() => {})).catch(() => {});
        return new GatewayError(
          ErrorCode.ConnectTimeout,
          `${path} did not open within ${this.bounds.connectTimeoutMs} ms`,
          { endpoint: this.description },
        );
      });
    } catch (error) {
      throw serialOpenError(error, path, this.description);
    }
    port.on("data", (chunk: Buffer) => {
      if (this.port === port) this.dataListener?.(new Uint8Array(chunk));
    });
    port.on("error", () => {}); // surfaces as "close" or as a failed write
    port.on("close", () => {
      if (this.port !== port) return;
      this.port = undefined;
      this.lossListener?.(
        new GatewayError(ErrorCode.PortClosed, `serial device ${path} went away (USB adapter unplugged?)`, {
          endpoint: this.description,
        }),
      );
    });
    this.port = port;
  }

  async write(bytes: Uint8Array, timeoutMs: number): Promise<void> {
    const port = this.port;
    if (port === undefined) throw new GatewayError(ErrorCode.PortClosed, `${this.description} is not open`);
    const writing = new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (err) => {
        if (err) reject(err);
        else port.drain((drainErr) => (drainErr ? reject(drainErr) : resolve()));
      });
    });
    await withDeadline(
      writing.catch((error: unknown) => {
        throw new GatewayError(
          ErrorCode.TransportError,
          `${this.description}: write failed: ${String(error)}`,
          {
            endpoint: this.description,
          },
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
    const port = this.port;
    this.port = undefined;
    if (port === undefined || !port.isOpen) return;
    const closing = new Promise<void>((resolve) => port.close(() => resolve()));
    await withDeadline(closing, this.bounds.closeTimeoutMs, () => {
      return new GatewayError(ErrorCode.PortClosed, `${this.description} did not close in time`);
    }).catch(() => {});
  }
}

/** A failed open in plain words: missing device, permission, anything else. */
function serialOpenError(error: unknown, path: string, description: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const context = { endpoint: description };
  if (/ENOENT|No such file/i.test(message))
    return new GatewayError(ErrorCode.PortNotFound, `serial device ${path} does not exist`, context);
  if (/EACCES|Permission denied/i.test(message)) {
    return new GatewayError(
      ErrorCode.PortPermissionDenied,
      `permission denied opening ${path}: add the user to the dialout group ` +
        `(sudo usermod -aG dialout $USER, then log in again)`,
      context,
    );
  }
  return new GatewayError(ErrorCode.TransportError, `${description}: ${message}`, context, { cause: error });
}
