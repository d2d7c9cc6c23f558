/**
 * The physical limit of a DL/T 645 line, for bench figures: each frame byte is 11 bits on the wire
 * (start + 8 data + even parity + stop, the 8E1 of DL/T 645-2007 clause 5), FE wake-up bytes included,
 * and the meter needs its turnaround before it answers (the standard allows up to 500 ms, clause 5).
 */
import { frameOverheadBytes } from "./frame.ts";

/** Bits per character: 8E1 has 11. */
export const dltBitsPerCharacter = 11;

/** Milliseconds to send `bytes` characters at `baudRate` (1200..921600). */
export function dltWireTimeMs(bytes: number, baudRate: number): number {
  return (bytes * dltBitsPerCharacter * 1000) / baudRate;
}

/**
 * Wire bytes of a read of a DI whose reply carries `payloadBytes` after the DI, with `wakeUpBytes` FE
 * (0..4, default 4) in front of both frames: request 4-byte DI, reply DI + payload.
 */
export function readWireBytes(payloadBytes: number, wakeUpBytes = 4): { request: number; reply: number } {
  return {
    request: wakeUpBytes + frameOverheadBytes + 4,
    reply: wakeUpBytes + frameOverheadBytes + 4 + payloadBytes,
  };
}

/** Milliseconds one read occupies the line: request + meter turnaround (ms, 0..500) + reply. */
export function readTransactionMs(
  baudRate: number,
  payloadBytes: number,
  turnaroundMs: number,
  wakeUpBytes = 4,
): number {
  const { request, reply } = readWireBytes(payloadBytes, wakeUpBytes);
  return dltWireTimeMs(request + reply, baudRate) + turnaroundMs;
}

/** The theoretical maximum reads per second of one line (the bench's 100 %). */
export function maxReadsPerSecond(
  baudRate: number,
  payloadBytes: number,
  turnaroundMs: number,
  wakeUpBytes = 4,
): number {
  return 1000 / readTransactionMs(baudRate, payloadBytes, turnaroundMs, wakeUpBytes);
}
