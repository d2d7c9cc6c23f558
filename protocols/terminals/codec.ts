/**
 * The terminal's register blocks as values: what the gateway writes to the display and answer blocks,
 * and the keypad entry it reads from the input block. Pure functions over register arrays; the
 * simulator decodes with the same functions, so a terminal and the gateway cannot disagree.
 */
import type { TerminalBlock, TerminalField, TerminalProfile } from "./profile.ts";

/** Alarm register codes, in the order of the money states (gateway/prepaid thresholds). */
export const alarmCodes = { normal: 0, warning1: 1, warning2: 2, overdraft: 3, exhausted: 4 } as const;
/** Supply register codes. */
export const supplyCodes = { on: 0, announced: 1, cut: 2 } as const;
/** Answer status codes. */
export const answerCodes = { none: 0, pending: 1, accepted: 2, "already-used": 3, rejected: 4 } as const;
/** Entry kind codes. */
export const entryKindCodes = { token: 1, purchase: 2 } as const;

export type AnswerStatus = keyof typeof answerCodes;

/** What the customer sees, as written to the display block. */
export interface DisplayValues {
  /** Balance in fen (0.01 yuan), rounded down; -2^31..2^31-1. */
  balanceFen: number;
  alarm: number;
  supply: number;
  /** Planned cut, epoch seconds; 0 none. */
  cutAtS: number;
  /** Price in force, 0.0001 yuan/kWh. */
  priceE4: number;
  /** Display writes since the gateway started, 0..65535, wraps. */
  sequence: number;
  message: string;
}

/** The answer to one keypad entry, as written to the answer block. */
export interface AnswerValues {
  status: number;
  entryId: number;
  balanceFen: number;
  reason: string;
}

/** The entry at the head of the terminal's input queue. */
export type TerminalEntry =
  | { entryId: number; kind: "token"; token: string }
  | { entryId: number; kind: "purchase"; amountFen: number; reference: string };

/** Registers of `block` holding `values` (missing fields are zero; text is NUL padded). */
export function encodeBlock(
  block: TerminalBlock,
  values: Readonly<Record<string, number | string>>,
): number[] {
  const out = new Array<number>(block.count).fill(0);
  for (const field of block.fields) {
    const words = encodeField(field, values[field.name] ?? 0);
    words.forEach((w, i) => (out[field.address - block.address + i] = w));
  }
  return out;
}

/** The values of `block` from its registers. */
export function decodeBlock(
  block: TerminalBlock,
  registers: readonly number[],
): Record<string, number | string> {
  const values: Record<string, number | string> = {};
  for (const field of block.fields) {
    const at = field.address - block.address;
    values[field.name] = decodeField(field, registers.slice(at, at + field.words));
  }
  return values;
}

/** Two registers, high word first, of an unsigned 32-bit value (0..2^32-1). */
export function uint32Words(value: number): [number, number] {
  const v = value >>> 0;
  return [v >>> 16, v & 0xffff];
}

/** The entry in an input block read, or undefined when the queue is empty or the kind unknown. */
export function decodeEntry(
  profile: TerminalProfile,
  registers: readonly number[],
): TerminalEntry | undefined {
  const v = decodeBlock(profile.input, registers);
  const entryId = v["entryId"] as number;
  if (v["pending"] === 0 || entryId === 0) return undefined;
  if (v["kind"] === entryKindCodes.token) return { entryId, kind: "token", token: String(v["token"]) };
  if (v["kind"] === entryKindCodes.purchase)
    return {
      entryId,
      kind: "purchase",
      amountFen: v["amountFen"] as number,
      reference: String(v["reference"]),
    };
  return undefined;
}

/** Input block registers holding `entry` with `pending` entries waiting (the simulator's side). */
export function encodeEntry(
  profile: TerminalProfile,
  entry: TerminalEntry | undefined,
  pending: number,
): number[] {
  if (entry === undefined) return encodeBlock(profile.input, { pending: 0 });
  return encodeBlock(profile.input, {
    pending,
    entryId: entry.entryId,
    kind: entryKindCodes[entry.kind],
    ...(entry.kind === "token"
      ? { token: entry.token }
      : { amountFen: entry.amountFen, reference: entry.reference }),
  });
}

/**
 * Text as the display shows it: printable ASCII only (anything else becomes '?'), cut to the field's
 * characters. Terminals in the field render a fixed 7-bit font; UTF-8 would show as garbage.
 */
export function displayText(text: string, chars: number): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, chars);
}

function encodeField(field: TerminalField, value: number | string): number[] {
  switch (field.type) {
    case "uint16":
      return [Number(value) & 0xffff];
    case "uint32":
    case "int32":
      return uint32Words(Number(value));
    case "text": {
      const shown = displayText(String(value), field.chars ?? field.words * 2);
      const words: number[] = [];
      for (let i = 0; i < field.words; i++)
        words.push(((shown.charCodeAt(2 * i) || 0) << 8) | (shown.charCodeAt(2 * i + 1) || 0));
      return words;
    }
  }
}

function decodeField(field: TerminalField, words: readonly number[]): number | string {
  const [hi = 0, lo = 0] = words;
  switch (field.type) {
    case "uint16":
      return hi;
    case "uint32":
      return hi * 0x10000 + lo;
    case "int32":
      return ((hi << 16) | lo) >> 0;
    case "text": {
      let s = "";
      for (const w of words) s += String.fromCharCode(w >> 8, w & 0xff);
      const end = s.indexOf("\0");
      return end === -1 ? s : s.slice(0, end);
    }
  }
}
