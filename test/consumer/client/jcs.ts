/**
 * RFC 8785 canonical JSON (JCS) as docs/mqtt.md section 6.2 needs it for a command: object keys sorted
 * by UTF-16 code units, no whitespace, strings as JSON strings, numbers as plain integers (every number
 * in a command is an integer). Written from the docs alone, as an integrator would.
 */

/** A JSON value as a command carries it. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** The canonical text of `value`. Throws on a number that is not a safe integer (a command has none). */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: Json) => canonicalJson(v)).join(",")}]`;
  const object = value as { readonly [key: string]: Json };
  // Default sort compares UTF-16 code units, which is what JCS asks for.
  const keys = Object.keys(object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k]!)}`).join(",")}}`;
}
