/**
 * The physical limit of a Modbus RTU bus (DOMAIN.md section 6; Modbus over Serial Line v1.02, 2.5.1.1).
 * A character is 11 bits (start + 8 data + parity or second stop + stop). t3.5 is 3.5 characters, fixed at
 * 1.75 ms above 19200 baud.
 */

/** Bits per character on the wire: always 11 in RTU (8N2, 8E1, 8O1; 8N1 is out of spec but common). */
export const bitsPerCharacter = 11;

/** Milliseconds to send `bytes` characters at `baudRate`. */
export function wireTimeMs(bytes: number, baudRate: number): number {
  return (bytes * bitsPerCharacter * 1000) / baudRate;
}

/** Inter-frame silence t3.5 in milliseconds. */
export function t35Ms(baudRate: number): number {
  return baudRate > 19200 ? 1.75 : wireTimeMs(3.5, baudRate);
}

/** Bytes of an FC 03/04 read request and of its reply for `registers` registers. */
export function readFrameBytes(registers: number): { request: number; reply: number } {
  return { request: 8, reply: 5 + 2 * registers };
}

/**
 * Milliseconds one read transaction occupies the line: request + max(t3.5, slave turnaround) + reply + t3.5.
 */
export function pollTimeMs(baudRate: number, registers: number, turnaroundMs: number): number {
  const { request, reply } = readFrameBytes(registers);
  const gap = t35Ms(baudRate);
  return wireTimeMs(request, baudRate) + Math.max(gap, turnaroundMs) + wireTimeMs(reply, baudRate) + gap;
}

/** The theoretical maximum polls per second of one bus. */
export function maxPollsPerSecond(baudRate: number, registers: number, turnaroundMs: number): number {
  return 1000 / pollTimeMs(baudRate, registers, turnaroundMs);
}
