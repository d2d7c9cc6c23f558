/**
 * Register value codecs: raw 16-bit registers <-> numbers, for every type and word/byte order a meter
 * profile can declare. Pure functions; the gateway decodes with them and the simulator encodes.
 */

export type RegisterType = "int16" | "uint16" | "int32" | "uint32" | "float32";
/** `big`: high word first (Modbus convention, Eastron, Chint). `little`: low word first. */
export type WordOrder = "big" | "little";
/** `big`: high byte first within each register (Modbus convention). `little`: bytes swapped. */
export type ByteOrder = "big" | "little";

export interface RegisterFormat {
  readonly type: RegisterType;
  readonly wordOrder: WordOrder;
  readonly byteOrder: ByteOrder;
}

/** Number of 16-bit registers a value of this type occupies. */
export function registerCount(type: RegisterType): 1 | 2 {
  switch (type) {
    case "int16":
    case "uint16":
      return 1;
    case "int32":
    case "uint32":
    case "float32":
      return 2;
  }
}

function fromBigEndianBytes(bytes: Uint8Array, format: RegisterFormat): number[] {
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) {
    const hi = bytes[i]!;
    const lo = bytes[i + 1]!;
    words.push(format.byteOrder === "big" ? (hi << 8) | lo : (lo << 8) | hi);
  }
  return format.wordOrder === "big" ? words : words.reverse();
}

/** Decodes one value from exactly `registerCount(format.type)` registers. */
export function decodeRegisters(registers: readonly number[], format: RegisterFormat): number {
  const count = registerCount(format.type);
  if (registers.length !== count) {
    throw new RangeError(`${format.type} needs ${count} registers, got ${registers.length}`);
  }
  return decodeRegistersAt(registers, 0, format);
}

/** Four bytes to assemble a value in, big-endian, reused by every decode (one thread, no await). */
const scratch = new DataView(new ArrayBuffer(4));

/**
 * Decodes one value from the `registerCount(format.type)` registers at `offset` of a block, in place:
 * no copy of the registers and no buffer per value (it runs for every quantity of every reading).
 */
export function decodeRegistersAt(
  registers: readonly number[],
  offset: number,
  format: RegisterFormat,
): number {
  const count = registerCount(format.type);
  if (offset < 0 || offset + count > registers.length) {
    throw new RangeError(
      `${format.type} at register ${offset} needs ${count} registers, got ${registers.length}`,
    );
  }
  for (let i = 0; i < count; i++) {
    // Undo the declared word order, then the byte order within each word.
    const word = registers[offset + (format.wordOrder === "big" ? i : count - 1 - i)]!;
    scratch.setUint16(
      i * 2,
      format.byteOrder === "big" ? word : ((word & 0xff) << 8) | ((word >>> 8) & 0xff),
    );
  }
  switch (format.type) {
    case "int16":
      return scratch.getInt16(0);
    case "uint16":
      return scratch.getUint16(0);
    case "int32":
      return scratch.getInt32(0);
    case "uint32":
      return scratch.getUint32(0);
    case "float32":
      return scratch.getFloat32(0);
  }
}

/**
 * Encodes a number into registers. Integers are rounded and must fit the type (RangeError otherwise);
 * float32 takes the nearest representable value.
 */
export function encodeRegisters(value: number, format: RegisterFormat): number[] {
  const bytes = new Uint8Array(registerCount(format.type) * 2);
  const view = new DataView(bytes.buffer);
  const int = Math.round(value);
  const check = (min: number, max: number): number => {
    if (!Number.isFinite(int) || int < min || int > max) {
      throw new RangeError(`${value} does not fit ${format.type}`);
    }
    return int;
  };
  switch (format.type) {
    case "int16":
      view.setInt16(0, check(-0x8000, 0x7fff));
      break;
    case "uint16":
      view.setUint16(0, check(0, 0xffff));
      break;
    case "int32":
      view.setInt32(0, check(-0x80000000, 0x7fffffff));
      break;
    case "uint32":
      view.setUint32(0, check(0, 0xffffffff));
      break;
    case "float32":
      view.setFloat32(0, value);
      break;
  }
  return fromBigEndianBytes(bytes, format);
}

/** Reads big-endian 16-bit registers out of a Modbus reply's data bytes. */
export function registersFromBytes(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) out.push((bytes[i]! << 8) | bytes[i + 1]!);
  return out;
}
