/**
 * The compatibility policy of docs/mqtt.md (section 1.1) applied to the published schemas of what the
 * gateway sends. Within contract v1 a newer gateway may add optional fields, event types and billing
 * kinds, and a consumer must ignore them; so the published schema must accept them, or a consumer that
 * validates would reject exactly what the policy allows. The gateway's own zod schemas stay strict (the
 * outbox writer refuses an unknown field where it is made); only the JSON handed to integrators opens up.
 */
import { eventTypes, readingQualities } from "../records.ts";

type Json = Record<string, unknown>;

/** Event types and quality flags as the contract forms them: dot-separated lowercase words. */
export const openValuePattern = "^[a-z][a-z0-9-]*(\\.[a-z0-9-]+)*$";

/** Open enumerations (section 1.1): a newer gateway may add values, so the known ones are examples. */
const openEnums: readonly { readonly values: readonly string[]; readonly description: string }[] = [
  {
    values: eventTypes,
    description: "event type; the known ones are listed in examples, a newer gateway may add more",
  },
  {
    values: readingQualities,
    description: "quality flag; the known ones are listed in examples, a newer gateway may add more",
  },
];

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sameList(a: unknown, b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((item, i) => item === b[i]);
}

/** `node` and everything under it without `additionalProperties: false`. */
function allowAdditions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowAdditions);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "additionalProperties" && value === false) continue;
    out[key] = allowAdditions(value);
  }
  const open = openEnums.find(({ values }) => out.type === "string" && sameList(out.enum, values));
  return open === undefined ? out : openEnum(out, open.description);
}

/** A closed enum as an open string of the same form that lists the known values as examples. */
function openEnum(closed: Json, description: string): Json {
  const { enum: known, ...rest } = closed;
  return { ...rest, pattern: openValuePattern, description, examples: known };
}

/**
 * A `oneOf` of objects told apart by a `kind` constant gets one more alternative: any object whose `kind`
 * is none of the known ones (a billing kind added by a newer gateway). The exclusion is a pattern with a
 * negative lookahead (ECMA-262 regex, as JSON Schema's `pattern` is) rather than `not`, which fewer
 * validators support.
 */
function allowNewKinds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowNewKinds);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = allowNewKinds(value);
  if (!Array.isArray(out.oneOf)) return out;
  const alternatives: unknown[] = out.oneOf;
  const kinds = alternatives.map(knownKinds);
  if (kinds.some((list) => list.length === 0)) return out;
  const unknownKind = {
    type: "object",
    description: "a kind a newer gateway may add: ignore it",
    properties: { kind: { type: "string", pattern: `^(?!(${kinds.flat().join("|")})$)[a-z][a-z0-9.-]*$` } },
    required: ["kind"],
  };
  return { ...out, oneOf: [...alternatives, unknownKind] };
}

/** The `kind` values one alternative admits, or none when it has no `kind` constant or enum. */
function knownKinds(alternative: unknown): string[] {
  if (!isObject(alternative) || !isObject(alternative.properties)) return [];
  const kind = alternative.properties.kind;
  if (!isObject(kind)) return [];
  if (typeof kind.const === "string") return [kind.const];
  return Array.isArray(kind.enum) ? kind.enum.map(String) : [];
}

/**
 * Fields of a message's top level (envelopes, status: objects with `v` and `gatewayId`) that v1 gained
 * after its first release. The gateway always sends them, but a v1 gateway before them did not, so the
 * published schema lists them without requiring them (section 1.1: new fields are optional additions).
 */
const addedWithinV1 = new Set(["epoch", "ackedSeq"]);

function notRequiringAdditions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(notRequiringAdditions);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = notRequiringAdditions(value);
  const top = isObject(out.properties) && "v" in out.properties && "gatewayId" in out.properties;
  if (top && Array.isArray(out.required))
    out.required = out.required.filter((f) => !addedWithinV1.has(String(f)));
  return out;
}

/** The published form of an output schema: open to additions as the compatibility policy allows. */
export function openToAdditions(schema: Json): Json {
  return notRequiringAdditions(allowNewKinds(allowAdditions(schema))) as Json;
}
