/**
 * Serves a SimBus as Modbus RTU on a serial device (one end of a socat pty pair, or a real USB-RS485
 * adapter). End of frame is t3.5 of line silence, as on a real bus.
 */
import { SerialPort } from "serialport";
import { withCrc } from "../../protocols/modbus/crc.ts";
import { RtuRequestFramer } from "../../protocols/modbus/framing.ts";
import { t35Ms } from "../../protocols/modbus/timing.ts";
import type { SimBus, SlaveReply } from "../core/sim-bus.ts";

export interface SerialServerOptions {
  path: string;
  /** Baud rate, default 9600. */
  baudRate?: number;
  parity?: "none" | "even" | "odd";
  /** Hook to delay, drop or alter replies (fault injection, line timing); default sends at once. */
  transmit?: (reply: SlaveReply, send: (bytes: Uint8Array) => void) => void;
  /** Called for bytes the framer dropped (noise, bad CRC). */
  onDiscard?: (bytes: Uint8Array, reason: string) => void;
}

export class SimSerialServer {
  private port: SerialPort | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: SimBus,
    private readonly options: SerialServerOptions,
  ) {}

  async start(): Promise<void> {
    const baudRate = this.options.baudRate ?? 9600;
    const port = new SerialPort({
      path: this.options.path,
      baudRate,
      parity: this.options.parity ?? "none",
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    this.port = port;
    const send = (bytes: Uint8Array) => {
      if (port.isOpen) port.write(Buffer.from(bytes));
    };
    const transmit =
      this.options.transmit ??
      ((reply: SlaveReply, out: (bytes: Uint8Array) => void) => {
        if (!("silent" in reply)) out(withCrc(Uint8Array.of(reply.unit, ...reply.pdu)));
      });
    const framer = new RtuRequestFramer({
      frame: (unit, pdu) => transmit(this.bus.handle(unit, pdu), send),
      discarded: (bytes, reason) => this.options.onDiscard?.(bytes, reason),
    });
    // A pty delivers bytes in bursts unrelated to the wire's timing, so wait a little longer than
    // t3.5 (at least 5 ms) before ending a frame on silence.
    const silenceMs = Math.max(5, t35Ms(baudRate));
    port.on("data", (chunk: Buffer) => {
      framer.push(chunk);
      if (this.silenceTimer !== undefined) clearTimeout(this.silenceTimer);
      this.silenceTimer = framer.pending > 0 ? setTimeout(() => framer.silence(), silenceMs) : undefined;
    });
    port.on("error", () => {});
  }

  async stop(): Promise<void> {
    if (this.silenceTimer !== undefined) clearTimeout(this.silenceTimer);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
