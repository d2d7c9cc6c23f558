/**
 * Serves a SimBus as Modbus RTU on a serial device (one end of a socat pty pair, or a real USB-RS485
 * adapter). End of frame is t3.5 of line silence, as on a real bus.
 */
import { existsSync } from "node:fs";
import { SerialPort } from "serialport";
import type { Clock } from "../../core/clock.ts";
import { SystemClock } from "../../core/clock.ts";
import { RtuRequestFramer } from "../../protocols/modbus/framing.ts";
import { t35Ms } from "../../protocols/modbus/timing.ts";
import type { SimBus, SlaveReply } from "../core/sim-bus.ts";
import { ErrorCode } from "../../core/errors.ts";
import { SimError } from "../core/sim-error.ts";
import type { LineTiming } from "./line-timing.ts";
import { masterBaudRate } from "./pty-line.ts";
import { ReplySender } from "./reply-path.ts";

export interface SerialServerOptions {
  path: string;
  /** Baud rate, 1200..921600, default 9600. */
  baudRate?: number;
  /** Default none (8N1 framing as most meters ship; DL/T 645 meters use even). */
  parity?: "none" | "even" | "odd";
  /** Hold each reply back by the wire time of a real line at this baud rate. */
  lineTiming?: LineTiming;
  /** Clock for reply delays and frame timing; default the system clock. */
  clock?: Clock;
  /** Replaces the reply path (framing, faults, timing); default sends the reply with its faults applied. */
  transmit?: (reply: SlaveReply, send: (bytes: Uint8Array) => void) => void;
  /**
   * The master's end of a pty pair: each request is answered only when the baud rate the master set
   * there matches `baudRate`, as a real meter hears only noise from a master at another speed (a pty
   * cannot carry parity: see pty-line.ts). Unset, every request is answered.
   */
  masterPty?: string;
  /** Called for bytes the framer dropped (noise, bad CRC) and requests sent at the wrong baud rate. */
  onDiscard?: (bytes: Uint8Array, reason: string) => void;
}

export class SimSerialServer {
  private port: SerialPort | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private readonly sender: ReplySender;
  private readonly clock: Clock;

  constructor(
    private readonly bus: SimBus,
    private readonly options: SerialServerOptions,
  ) {
    this.clock = options.clock ?? new SystemClock();
    this.sender = new ReplySender(this.clock, "rtu", options.lineTiming);
  }

  /** Opens the device; a missing device or a permission problem is one clear SimError. */
  async start(): Promise<void> {
    const path = this.options.path;
    if (!existsSync(path))
      throw new SimError(ErrorCode.EndpointUnavailable, `serial device ${path} does not exist`);
    const baudRate = this.options.baudRate ?? 9600;
    const port = new SerialPort({ path, baudRate, parity: this.options.parity ?? "none", autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (error) {
      const denied = /EACCES|Permission denied/i.test(String(error));
      throw new SimError(
        ErrorCode.EndpointUnavailable,
        denied
          ? `permission denied opening ${path}: add the user to the dialout group`
          : `cannot open serial device ${path}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    this.port = port;
    const send = (bytes: Uint8Array) => {
      if (port.isOpen) port.write(Buffer.from(bytes));
    };
    let frameStartMs = 0;
    const answer = (unit: number, pdu: Uint8Array, requestStartMs: number) => {
      const reply = this.bus.handle(unit, pdu);
      if (this.options.transmit !== undefined) this.options.transmit(reply, send);
      else this.sender.send(reply, send, { requestBytes: pdu.length + 3, requestStartMs });
    };
    const masterPty = this.options.masterPty;
    const framer = new RtuRequestFramer({
      frame: (unit, pdu) => {
        if (masterPty === undefined) return answer(unit, pdu, frameStartMs);
        const requestStartMs = frameStartMs;
        void masterBaudRate(masterPty).then((masterBaud) => {
          if (masterBaud === baudRate) answer(unit, pdu, requestStartMs);
          else
            this.options.onDiscard?.(
              Uint8Array.of(unit, ...pdu),
              `sent at ${masterBaud ?? "an unknown"} baud; this line runs at ${baudRate}`,
            );
        });
      },
      discarded: (bytes, reason) => this.options.onDiscard?.(bytes, reason),
    });
    // A pty delivers bytes in bursts unrelated to the wire's timing, so wait a little longer than
    // t3.5 (at least 5 ms) before ending a frame on silence.
    const silenceMs = Math.max(5, t35Ms(baudRate));
    port.on("data", (chunk: Buffer) => {
      if (framer.pending === 0) frameStartMs = this.clock.monotonicMs();
      framer.push(chunk);
      if (this.silenceTimer !== undefined) clearTimeout(this.silenceTimer);
      this.silenceTimer = framer.pending > 0 ? setTimeout(() => framer.silence(), silenceMs) : undefined;
    });
    port.on("error", () => {});
  }

  async stop(): Promise<void> {
    this.sender.stop();
    if (this.silenceTimer !== undefined) clearTimeout(this.silenceTimer);
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen === true) await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
