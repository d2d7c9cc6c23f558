/**
 * The transport adapter over modbus-serial (the library in our design, kept behind our interface:
 * STYLE.md contrast case). modbus-serial frames requests and replies; the port underneath is ours to
 * bound: a TCP socket we connect, watch and close ourselves (tcp-socket.ts), a serial port opened
 * within a deadline and watched for the adapter being unplugged. Every step has a time bound and every
 * failure a code (error-map.ts); a request never waits for a callback that may never come.
 */
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { ModbusRTU as ModbusRtuClient } from "modbus-serial/ModbusRTU.js";
import { ErrorCode, GatewayError } from "../../../core/errors.ts";
import type { BitReadFc, RegisterReadFc } from "../pdu.ts";
import {
  describeEndpoint,
  type ModbusTransport,
  type TransportEndpoint,
  type TransportOptions,
} from "./transport.ts";
import { withDeadline } from "./real-time-deadline.ts";
import { openError, timeoutError, transactionError } from "./error-map.ts";
import { closeSocket, connectSocket, watchSocket } from "./tcp-socket.ts";

type Client = ModbusRtuClient;
const requireCjs = createRequire(import.meta.url);
/**
 * modbus-serial's client class, loaded on the first RTU link: it also loads serialport, 1.7 MiB of
 * heap (and their code) that a gateway with only Modbus TCP buses (our own MBAP client) never uses
 * (bench figure 5). It is CommonJS: `module.exports` is the client class itself (its typings say
 * `default`), so `require` loads it synchronously.
 */
function newModbusRtuClient(): Client {
  const ModbusRTU = requireCjs("modbus-serial") as new () => Client;
  return new ModbusRTU();
}
/** modbus-serial's buffered ports keep received bytes here (rtubufferedport.js, telnetport.js). */
type BufferedPort = { _buffer?: Buffer };
/** Present on ModbusRTU 8.x: clears the reply timers of requests in flight (used by its destroy()). */
type CancellableClient = { _cancelPendingTransactions?: () => void };

const defaults: Required<TransportOptions> = {
  connectTimeoutMs: 3000,
  closeTimeoutMs: 500,
  keepAliveMs: 10_000,
};
/** Slack on top of a request's reply timeout before our own guard gives up on the library, ms. */
const guardSlackMs = 250;

export class ModbusSerialTransport implements ModbusTransport {
  readonly description: string;
  private readonly options: Required<TransportOptions>;
  private client: Client | undefined;
  private socket: Socket | undefined;
  /** How the current connection ended (closed, reset, unplugged); undefined while it is up. */
  private loss: GatewayError | undefined;
  /** Rejects the request in flight, when the connection ends under it. */
  private abortInFlight: ((error: GatewayError) => void) | undefined;

  constructor(
    private readonly endpoint: TransportEndpoint,
    options: TransportOptions = {},
  ) {
    this.description = describeEndpoint(endpoint);
    this.options = { ...defaults, ...options };
  }

  get isOpen(): boolean {
    return this.client !== undefined && this.loss === undefined && this.client.isOpen;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    await this.close();
    this.loss = undefined;
    const client = newModbusRtuClient();
    // A port error after open surfaces through the loss watch and the next transaction.
    client.on("error", () => {});
    if (this.endpoint.kind === "rtu") await this.openSerial(client, this.endpoint);
    else await this.openTcp(client, this.endpoint);
    this.client = client;
  }

  private async openSerial(client: Client, endpoint: Extract<TransportEndpoint, { kind: "rtu" }>) {
    const { connectTimeoutMs } = this.options;
    const opening = client.connectRTUBuffered(endpoint.path, {
      baudRate: endpoint.baudRate,
      parity: endpoint.parity,
      dataBits: endpoint.dataBits,
      stopBits: endpoint.stopBits,
    });
    try {
      await withDeadline(opening, connectTimeoutMs, () => {
        // If the open completes after all, close that port: nobody holds it.
        opening.then(() => client.close(() => {})).catch(() => {});
        return new GatewayError(
          ErrorCode.ConnectTimeout,
          `${endpoint.path} did not open within ${connectTimeoutMs} ms`,
          { endpoint: this.description },
        );
      });
    } catch (error) {
      throw openError(error, endpoint, this.description);
    }
    // The USB-RS485 adapter unplugged (or the pty's far end gone): serialport closes the port.
    client.on("close", () => {
      if (this.client !== client) return;
      this.lost(
        new GatewayError(
          ErrorCode.PortClosed,
          `serial device ${endpoint.path} went away (USB adapter unplugged?)`,
          { endpoint: this.description },
        ),
      );
    });
  }

  private async openTcp(
    client: Client,
    endpoint: Extract<TransportEndpoint, { kind: "tcp" | "rtu-over-tcp" }>,
  ) {
    const socket = await connectSocket({
      host: endpoint.host,
      port: endpoint.port,
      description: this.description,
      connectTimeoutMs: this.options.connectTimeoutMs,
      keepAliveMs: this.options.keepAliveMs,
    });
    watchSocket(socket, this.description, (loss) => {
      if (this.socket === socket) this.lost(loss);
    });
    this.socket = socket;
    try {
      // MBAP framing, or RTU frames with CRC in a raw stream (modbus-serial's "telnet" port is the
      // transparent TCP-to-RS485 converter; its "TcpRTUBuffered" port speaks MBAP instead).
      if (endpoint.kind === "tcp") await client.linkTCP(socket, { port: endpoint.port });
      else await client.linkTelnet(socket, { port: endpoint.port });
    } catch (error) {
      this.socket = undefined;
      socket.destroy();
      throw openError(error, endpoint, this.description);
    }
  }

  private lost(loss: GatewayError): void {
    this.loss = loss;
    this.abortInFlight?.(loss);
  }

  /** Closes within closeTimeoutMs whatever the peer does; never rejects. */
  async close(): Promise<void> {
    const client = this.client;
    const socket = this.socket;
    this.client = undefined;
    this.socket = undefined;
    this.abortInFlight?.(
      new GatewayError(
        ErrorCode.PortClosed,
        `${this.description} closed while a request was waiting for its reply`,
      ),
    );
    if (client === undefined) {
      socket?.destroy();
      return;
    }
    (client as unknown as CancellableClient)._cancelPendingTransactions?.();
    if (socket !== undefined) return closeSocket(socket, this.options.closeTimeoutMs);
    const closing = new Promise<void>((resolve) => {
      try {
        client.close(() => resolve());
      } catch {
        resolve();
      }
    });
    await withDeadline(closing, this.options.closeTimeoutMs, () => {
      return new GatewayError(ErrorCode.PortClosed, `${this.description} did not close in time`);
    }).catch(() => {});
  }

  readRegisters(
    unit: number,
    fc: RegisterReadFc,
    address: number,
    count: number,
    timeoutMs: number,
  ): Promise<number[]> {
    return this.call(unit, timeoutMs, { fc, address, count }, (client, done) => {
      const callback = (err: unknown, res?: { data: number[] }) => done(err, res?.data);
      if (fc === 3) client.writeFC3(unit, address, count, callback);
      else client.writeFC4(unit, address, count, callback);
    });
  }

  readBits(
    unit: number,
    fc: BitReadFc,
    address: number,
    count: number,
    timeoutMs: number,
  ): Promise<boolean[]> {
    return this.call(unit, timeoutMs, { fc, address, count }, (client, done) => {
      const callback = (err: unknown, res?: { data: boolean[] }) => done(err, res?.data.slice(0, count));
      if (fc === 1) client.writeFC1(unit, address, count, callback);
      else client.writeFC2(unit, address, count, callback);
    });
  }

  async writeCoil(unit: number, address: number, value: boolean, timeoutMs: number): Promise<void> {
    await this.call(unit, timeoutMs, { fc: 5, address, value }, (client, done) =>
      client.writeFC5(unit, address, value, (err: unknown) => done(err, true)),
    );
  }

  async writeRegister(unit: number, address: number, value: number, timeoutMs: number): Promise<void> {
    await this.call(unit, timeoutMs, { fc: 6, address, value }, (client, done) =>
      client.writeFC6(unit, address, value, (err: unknown) => done(err, true)),
    );
  }

  async writeRegisters(
    unit: number,
    address: number,
    values: readonly number[],
    timeoutMs: number,
  ): Promise<void> {
    await this.call(unit, timeoutMs, { fc: 16, address, count: values.length }, (client, done) =>
      client.writeFC16(unit, address, [...values], (err: unknown) => done(err, true)),
    );
  }

  private async call<T>(
    unit: number,
    timeoutMs: number,
    fields: Record<string, unknown>,
    run: (client: Client, done: (err: unknown, value: T | undefined) => void) => void,
  ): Promise<T> {
    if (this.loss !== undefined) throw this.loss;
    if (!this.isOpen) await this.open();
    const client = this.client;
    if (client === undefined) throw new GatewayError(ErrorCode.PortClosed, `${this.description} is not open`);
    const context = { ...fields, unit };
    const port = (client as unknown as { _port?: BufferedPort })._port;
    // modbus-serial never clears its receive buffer between transactions: a late reply to a timed-out
    // request would otherwise be taken as the answer to this one (the "stale reply after a timeout" bug).
    if (port?._buffer !== undefined) port._buffer = Buffer.alloc(0);
    client.setTimeout(timeoutMs);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        this.abortInFlight = undefined;
        outcome();
      };
      // The library's own reply timer should fire first; this one stands in if it never does.
      const guard = setTimeout(
        () => settle(() => reject(timeoutError(unit, context, port?._buffer))),
        timeoutMs + guardSlackMs,
      );
      this.abortInFlight = (loss) =>
        settle(() => reject(new GatewayError(loss.code, loss.message, { ...loss.context, ...context })));
      const done = (err: unknown, value: T | undefined) =>
        settle(() => {
          if (err !== null && err !== undefined) {
            const loss = this.loss;
            reject(
              loss === undefined
                ? transactionError(err, unit, this.description, context, port?._buffer)
                : new GatewayError(loss.code, loss.message, { ...loss.context, ...context }),
            );
          } else if (value === undefined) {
            reject(new GatewayError(ErrorCode.BadReply, `unit ${unit}: empty reply`, context));
          } else {
            resolve(value);
          }
        });
      try {
        run(client, done);
      } catch (error) {
        done(error, undefined);
      }
    });
  }
}
