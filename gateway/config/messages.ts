/**
 * Wording shared by every config message: how a path, a value and a list of choices read to a field
 * technician. Messages are plain sentences naming the key and what was found ("got 300").
 */

/** A position in the parsed config: object keys and array indexes, outermost first. */
export type ConfigPath = readonly (string | number)[];

/** `["meters", 2, "unit"]` -> `meters[2].unit`; keys that are not plain words are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_][\w-]*$/.test(segment)) {
      out += out ? `.${segment}` : segment;
    } else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The name a message starts with: the key itself (`unit`), or the element path for list items. */
export function subjectOf(path: readonly PropertyKey[] | undefined): string {
  if (path === undefined || path.length === 0) return "the config";
  const last = path[path.length - 1];
  return typeof last === "string" ? last : formatPath(path);
}

/** The part of a zod issue a message needs. */
interface IssueLike {
  readonly path?: PropertyKey[] | undefined;
  readonly input?: unknown;
}

/** A zod `error` option reading "<key> <requirement> (got <value>)", e.g. "unit must be ... (got 300)". */
export function requirement(text: string): (issue: IssueLike) => string {
  return (issue) => `${subjectOf(issue.path)} ${text} (got ${describeValue(issue.input)})`;
}

/** A short, quoted rendering of a YAML value for "(got ...)". */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

/** `'a', 'b', 'c'` for strings, `1, 2, 3` for numbers. */
export function formatChoices(values: readonly unknown[]): string {
  return values.map((value) => (typeof value === "string" ? `'${value}'` : String(value))).join(", ");
}

/** `a, b, c`, cut after `max` names so a long profile list does not drown the message. */
export function formatNames(names: Iterable<string>, max = 12): string {
  const sorted = [...names].sort();
  if (sorted.length === 0) return "none";
  const shown = sorted.slice(0, max).join(", ");
  return sorted.length > max ? `${shown} and ${sorted.length - max} more` : shown;
}

/**
 * The known name closest to `input`, if it is close enough to be a likely typo: same letters in another
 * case, or at most a third of the name's letters wrong (at least one).
 */
export function suggestName(input: string, known: Iterable<string>): string | undefined {
  const wanted = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(input.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit ("baduRate"). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      }
      row.push(value);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
