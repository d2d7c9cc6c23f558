/**
 * Turns zod issues into config issues: one per problem, each with a path and a plain sentence. zod's own
 * wording ("Invalid input: expected number, received string") is replaced by an error map, and an
 * unrecognized-keys issue becomes one issue per key, with a "did you mean" suggestion.
 */
import * as z from "zod";
import {
  describeValue,
  formatChoices,
  formatNames,
  formatPath,
  subjectOf,
  suggestName,
  type ConfigPath,
} from "./messages.ts";

/** A problem found before it is located in the YAML source. */
export interface PathIssue {
  readonly path: ConfigPath;
  readonly message: string;
  /** Locate the key itself rather than its value (for unknown keys). */
  readonly at?: "key";
}

/** Explains an unknown key better than "unknown key" can, e.g. a serial key on a TCP bus. */
export type UnknownKeyHint = (path: ConfigPath, key: string, object: unknown) => string | undefined;

export type SchemaResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: PathIssue[] };

/** Validates `input` against `schema`, collecting every issue. */
export function checkSchema<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  unknownKeyHint: UnknownKeyHint = () => undefined,
): SchemaResult<z.output<Schema>> {
  const knownKeys = new Map<string, readonly string[]>();
  const result = schema.safeParse(input, {
    reportInput: true,
    error: (issue) => {
      if (issue.code === "unrecognized_keys" && issue.inst instanceof z.ZodObject) {
        knownKeys.set(formatPath(issue.path ?? []), Object.keys(issue.inst.shape));
      }
      return defaultMessage(issue);
    },
  });
  if (result.success) return { ok: true, value: result.data };
  const issues: PathIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map((segment) => (typeof segment === "number" ? segment : String(segment)));
    if (issue.code !== "unrecognized_keys") {
      issues.push({ path, message: issue.message });
      continue;
    }
    const known = knownKeys.get(formatPath(path)) ?? [];
    for (const key of issue.keys) {
      const message = unknownKeyHint(path, key, issue.input) ?? unknownKeyMessage(key, known);
      issues.push({ path: [...path, key], message, at: "key" });
    }
  }
  return { ok: false, issues };
}

/** "unknown key 'baudrate' (did you mean 'baudRate'?)", or the allowed keys when nothing is close. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = suggestName(key, known);
  if (suggestion !== undefined) return `unknown key '${key}' (did you mean '${suggestion}'?)`;
  return known.length > 0 ? `unknown key '${key}' (allowed: ${known.join(", ")})` : `unknown key '${key}'`;
}

const typeNames: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
};

/** Wording for issues whose schema carries no message of its own. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const subject = subjectOf(issue.path);
  const got = describeValue(issue.input);
  switch (issue.code) {
    case "invalid_type": {
      const expected = typeNames[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `${subject} is required`;
      if (issue.input === null) return `${subject} is empty (expected ${expected})`;
      return `${subject} must be ${expected} (got ${got})`;
    }
    case "too_small": {
      if (issue.origin === "string" && Number(issue.minimum) <= 1) return `${subject} must not be empty`;
      const bound = tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false);
      return `${subject} ${bound} (got ${sizeOf(issue.input)})`;
    }
    case "too_big": {
      const bound = tooBig(issue.origin, Number(issue.maximum), issue.inclusive !== false);
      return `${subject} ${bound} (got ${sizeOf(issue.input)})`;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? `${subject} must be ${formatChoices(issue.values)} (got ${got})`
        : `${subject} must be one of ${formatChoices(issue.values)} (got ${got})`;
    case "invalid_union": {
      const choices = (issue as { options?: readonly unknown[] }).options;
      if (issue.discriminator === undefined || choices === undefined) return undefined;
      const options = formatChoices(choices);
      const value = (issue.input as Record<string, unknown>)[issue.discriminator];
      if (value === undefined) return `${issue.discriminator} is required (one of ${options})`;
      return `${issue.discriminator} must be one of ${options} (got ${describeValue(value)})`;
    }
    case "invalid_format":
      return `${subject} is not a valid ${issue.format} (got ${got})`;
    case "unrecognized_keys":
      return `unknown keys ${formatNames(issue.keys)}`;
    default:
      return undefined;
  }
}

/** The value, or for strings and lists their length, for "(got ...)" after a size bound. */
function sizeOf(value: unknown): string {
  if (typeof value === "string") return `${value.length} characters`;
  if (Array.isArray(value)) return `${value.length} entries`;
  return describeValue(value);
}

function tooSmall(origin: string, minimum: number, inclusive: boolean): string {
  if (origin === "string") return `must be at least ${minimum} characters`;
  if (origin === "array") return `must have at least ${minimum} entries`;
  return inclusive ? `must be at least ${minimum}` : `must be greater than ${minimum}`;
}

function tooBig(origin: string, maximum: number, inclusive: boolean): string {
  if (origin === "string") return `must be at most ${maximum} characters`;
  if (origin === "array") return `must have at most ${maximum} entries`;
  return inclusive ? `must be at most ${maximum}` : `must be less than ${maximum}`;
}
