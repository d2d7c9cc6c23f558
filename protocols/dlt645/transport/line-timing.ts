/**
 * How long DL/T 645 bytes take on a serial line: each character is a start bit, 7 or 8 data bits, an
 * optional parity bit and 1 or 2 stop bits (DL/T 645-2007 clause 4.2: 8E1, so 11 bits). At 2400 baud a
 * 16-byte read request takes 73 ms, a 0x1C relay command (32 bytes with FE wake-up) 147 ms. The bench's
 * line limit (a whole transaction, fixed 8E1) is the codec's timing.ts; this one follows the bus config.
 */
import type { Dlt645Endpoint } from "./endpoint.ts";

/** Bits per character of the endpoint's line; 11 for the usual 8E1. */
export function bitsPerCharacter(endpoint: Extract<Dlt645Endpoint, { kind: "serial" }>): number {
  return 1 + endpoint.dataBits + (endpoint.parity === "none" ? 0 : 1) + endpoint.stopBits;
}

/**
 * Milliseconds `bytes` take on the endpoint's line. 0 for TCP: the converter's own line speed is not
 * known here (its time is part of the reply timeout).
 */
export function wireMs(endpoint: Dlt645Endpoint, bytes: number): number {
  if (endpoint.kind === "tcp") return 0;
  return (bytes * bitsPerCharacter(endpoint) * 1000) / endpoint.baudRate;
}
