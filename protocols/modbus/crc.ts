/**
 * Modbus RTU CRC-16 (polynomial 0xA001 reflected, init 0xFFFF), sent low byte first
 * (Modbus over Serial Line v1.02, section 6.2.2).
 */
const table = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    t[i] = crc;
  }
  return t;
})();

export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ table[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** Appends the CRC (low byte first) to an RTU frame body (unit id + PDU). */
export function withCrc(body: Uint8Array): Uint8Array {
  const frame = new Uint8Array(body.length + 2);
  frame.set(body);
  const crc = crc16(body);
  frame[body.length] = crc & 0xff;
  frame[body.length + 1] = crc >>> 8;
  return frame;
}

/** True when the frame's last two bytes are the CRC of what precedes them. */
export function hasValidCrc(frame: Uint8Array): boolean {
  if (frame.length < 4) return false;
  const expected = crc16(frame, 0, frame.length - 2);
  return frame[frame.length - 2] === (expected & 0xff) && frame[frame.length - 1] === expected >>> 8;
}
