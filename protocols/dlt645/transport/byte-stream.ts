/**
 * A duplex byte stream under a DL/T 645 link: open, write, receive chunks, close, each step bounded.
 * DL/T 645 has no framing of its own on TCP, so a serial port and a transparent converter look the same
 * from here up; the framer above finds frames by their length byte.
 */
import type { GatewayError } from "../../../core/errors.ts";

export interface ByteStream {
  readonly description: string;
  readonly isOpen: boolean;
  /** Opens within the connect timeout, or rejects with a named error (PORT_NOT_FOUND, CONNECT_TIMEOUT, ...). */
  open(): Promise<void>;
  /** Closes within the close timeout whatever the peer does; never rejects. */
  close(): Promise<void>;
  /** Writes all of `bytes` (and drains them to the device) within `timeoutMs`. */
  write(bytes: Uint8Array, timeoutMs: number): Promise<void>;
  /** Every chunk received, in order, until close. One listener (the transport). */
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the open stream ends under us (unplugged, reset, closed by the peer). */
  onLoss(listener: (loss: GatewayError) => void): void;
}
