/**
 * Command signatures: HMAC-SHA256 under the gateway's command key over a canonical form that any
 * language can reproduce:
 *
 *   signing input = command + "\n" + JCS(request without "signature")
 *
 * JCS is RFC 8785 (JSON Canonicalization Scheme): object keys sorted by UTF-16 code units, no
 * whitespace, strings and numbers serialised as ECMAScript JSON.stringify does. Every number in a command
 * is an integer, so numbers are plain decimal digits. The command name is part of the input so a signed
 * request cannot be replayed on another command's topic. The key is the command key file's content
 * without surrounding whitespace, as UTF-8 bytes.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** RFC 8785 canonical JSON of a JSON value (from JSON.parse or plain data). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new TypeError(`not a JSON value: ${typeof value}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    // Default string sort compares UTF-16 code units, which is what RFC 8785 section 3.2.3 asks for.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** The exact text that is signed for `request` (its `signature` field, if any, is left out). */
export function signingInput(command: string, request: Readonly<Record<string, unknown>>): string {
  const { signature: _signature, ...unsigned } = request;
  return `${command}\n${canonicalJson(unsigned)}`;
}

/** HMAC-SHA256 of the signing input, lowercase hex. */
export function signCommand(
  command: string,
  request: Readonly<Record<string, unknown>>,
  key: Buffer,
): string {
  return createHmac("sha256", key).update(signingInput(command, request), "utf8").digest("hex");
}

/** Constant-time check of `request.signature`. */
export function verifyCommand(
  command: string,
  request: Readonly<Record<string, unknown>>,
  key: Buffer,
): boolean {
  const given = request["signature"];
  if (typeof given !== "string" || !/^[0-9a-f]{64}$/.test(given)) return false;
  const expected = Buffer.from(signCommand(command, request, key), "hex");
  return timingSafeEqual(Buffer.from(given, "hex"), expected);
}

/** Shortest command key accepted, in characters (32 hex characters = 128 bits). */
export const minCommandKeyLength = 32;

/** The key bytes from the command key file's text. @throws Error when the key is too short. */
export function commandKeyFromText(text: string): Buffer {
  const key = text.trim();
  if (key.length < minCommandKeyLength) {
    // Never include the key itself in the message.
    throw new Error(`command key is ${key.length} characters; at least ${minCommandKeyLength} are required`);
  }
  return Buffer.from(key, "utf8");
}
