/**
 * The transport adapter over modbus-serial (the library in our design, kept behind our interface:
 * STYLE.md contrast case). It opens serial ports, TCP and RTU-over-TCP, and turns the library's error
 * strings into our codes.
 */
import type { ModbusRTU as ModbusRtuClient } from "modbus-serial/ModbusRTU.js";
import ModbusSerialModule from "modbus-serial";
import { ErrorCode, GatewayError, modbusException } from "../../../gateway/core/errors.ts";
import type { BitReadFc, RegisterReadFc } from "../pdu.ts";
import { describeEndpoint, type ModbusTransport, type TransportEndpoint } from "./transport.ts";
import { classifyLeftover } from "./leftover.ts";

type Client = ModbusRtuClient;
/** modbus-serial is CommonJS: `module.exports` is the client class itself (its typings say `default`). */
const ModbusRTU = ModbusSerialModule as unknown as new () => Client;
/** modbus-serial's buffered ports keep received bytes here (rtubufferedport.js, tcprtubufferedport.js). */
type BufferedPort = { _buffer?: Buffer };

interface LibError {
  message?: string;
  errno?: string;
  code?: string;
  modbusCode?: number;
  name?: string;
}

export class ModbusSerialTransport implements ModbusTransport {
  readonly description: string;
  private client: Client | undefined;

  constructor(private readonly endpoint: TransportEndpoint) {
    this.description = describeEndpoint(endpoint);
  }

  get isOpen(): boolean {
    return this.client?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    await this.close();
    const client = new ModbusRTU();
    const endpoint = this.endpoint;
    try {
      switch (endpoint.kind) {
        case "rtu":
          await client.connectRTUBuffered(endpoint.path, {
            baudRate: endpoint.baudRate,
            parity: endpoint.parity,
            dataBits: endpoint.dataBits,
            stopBits: endpoint.stopBits,
          });
          break;
        case "tcp":
          await client.connectTCP(endpoint.host, { port: endpoint.port });
          break;
        case "rtu-over-tcp":
          // RTU frames with CRC in a raw TCP stream (a transparent TCP-to-RS485 converter). In
          // modbus-serial that is the "telnet" port; its "TcpRTUBuffered" port speaks MBAP instead.
          await client.connectTelnet(endpoint.host, { port: endpoint.port });
          break;
      }
    } catch (error) {
      throw this.openError(error);
    }
    // A port error after open (cable pulled, USB adapter gone) surfaces on the next transaction.
    client.on("error", () => {});
    this.client = client;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    await new Promise<void>((resolve) => {
      try {
        client.close(() => resolve());
      } catch {
        resolve();
      }
    });
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

  private async call<T>(
    unit: number,
    timeoutMs: number,
    context: Record<string, unknown>,
    run: (client: Client, done: (err: unknown, value: T | undefined) => void) => void,
  ): Promise<T> {
    if (!this.isOpen) await this.open();
    const client = this.client;
    if (client === undefined) throw new GatewayError(ErrorCode.PortClosed, `${this.description} is not open`);
    const port = (client as unknown as { _port?: BufferedPort })._port;
    // modbus-serial never clears its receive buffer between transactions: a late reply to a timed-out
    // request would otherwise be taken as the answer to this one (the "stale reply after a timeout" bug).
    if (port?._buffer !== undefined) port._buffer = Buffer.alloc(0);
    client.setTimeout(timeoutMs);
    return new Promise<T>((resolve, reject) => {
      run(client, (err, value) => {
        if (err !== null && err !== undefined) {
          reject(this.mapError(err, unit, { ...context, unit }, port));
        } else if (value === undefined) {
          reject(new GatewayError(ErrorCode.BadReply, `unit ${unit}: empty reply`, { ...context, unit }));
        } else {
          resolve(value);
        }
      });
    });
  }

  private mapError(
    err: unknown,
    unit: number,
    context: Record<string, unknown>,
    port?: BufferedPort,
  ): GatewayError {
    const e = (err ?? {}) as LibError;
    const message = e.message ?? String(err);
    if (typeof e.modbusCode === "number") return modbusException(e.modbusCode, context);
    if (e.errno === "ETIMEDOUT" || message === "Timed out") {
      // Nothing complete arrived; what did arrive tells a silent unit from a truncated or foreign reply.
      const leftover = port?._buffer;
      const kind = leftover === undefined ? "none" : classifyLeftover(leftover, unit);
      switch (kind) {
        case "short":
          return new GatewayError(
            ErrorCode.ShortReply,
            `unit ${unit}: reply cut short (${leftover?.length} bytes)`,
            context,
          );
        case "wrong-unit":
          return new GatewayError(
            ErrorCode.WrongUnit,
            `unit ${unit}: reply came from another unit id`,
            context,
          );
        case "garbage":
          return new GatewayError(ErrorCode.BadReply, `unit ${unit}: unparseable bytes on the line`, context);
        case "none":
          return new GatewayError(ErrorCode.Timeout, `no reply from unit ${unit}`, context);
      }
    }
    if (message.startsWith("CRC error"))
      return new GatewayError(ErrorCode.CrcError, `unit ${unit}: CRC error`, context);
    if (message.startsWith("Data length error")) {
      return new GatewayError(ErrorCode.ShortReply, `unit ${unit}: ${message}`, context);
    }
    if (message.includes("expected address")) {
      return new GatewayError(ErrorCode.WrongUnit, `unit ${unit}: ${message}`, context);
    }
    if (message.startsWith("Unexpected data"))
      return new GatewayError(ErrorCode.BadReply, `unit ${unit}: ${message}`, context);
    if (message === "Port Not Open" || e.errno === "ECONNREFUSED") {
      this.client = undefined;
      return new GatewayError(ErrorCode.PortClosed, `${this.description}: port not open`, context);
    }
    return new GatewayError(ErrorCode.TransportError, `${this.description}: ${message}`, context, {
      cause: err,
    });
  }

  private openError(error: unknown): GatewayError {
    const e = (error ?? {}) as LibError;
    const message = e.message ?? String(error);
    const context = { endpoint: this.description };
    if (/ENOENT|No such file/i.test(message) || e.code === "ENOENT") {
      return new GatewayError(
        ErrorCode.PortNotFound,
        `serial device ${pathOf(this.endpoint)} does not exist`,
        context,
      );
    }
    if (/EACCES|Permission denied/i.test(message) || e.code === "EACCES") {
      return new GatewayError(
        ErrorCode.PortPermissionDenied,
        `permission denied opening ${pathOf(this.endpoint)}: add the user to the dialout group ` +
          `(sudo usermod -aG dialout $USER, then log in again)`,
        context,
      );
    }
    if (/ECONNREFUSED/.test(message) || e.errno === "ECONNREFUSED" || e.code === "ECONNREFUSED") {
      return new GatewayError(
        ErrorCode.ConnectionRefused,
        `${this.description}: connection refused`,
        context,
      );
    }
    return new GatewayError(ErrorCode.TransportError, `${this.description}: ${message}`, context, {
      cause: error,
    });
  }
}

function pathOf(endpoint: TransportEndpoint): string {
  return endpoint.kind === "rtu" ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
}

/** The default transport factory. */
export const modbusSerialTransportFactory = (endpoint: TransportEndpoint): ModbusTransport =>
  new ModbusSerialTransport(endpoint);
