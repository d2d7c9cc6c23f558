/**
 * Checks that span entries: unique ids, unique (bus, unit) pairs and references between sections.
 * They run on the raw YAML value, beside the schema, so one pass reports both kinds of error; entries
 * whose own fields are malformed are skipped here (the schema reports them).
 */
import type { PathIssue } from "./issues.ts";
import { formatNames, formatPath, suggestName } from "./messages.ts";
import { sectionReferences } from "./sections.ts";

/** An entry of a list section, with its index. */
export interface Entry {
  readonly index: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Sections whose entries carry an `id` that must be unique within the section. */
const ID_SECTIONS = ["buses", "meters", "accounts", "tariffs"] as const;

/**
 * All cross-reference problems in `raw`. `profiles` is the set of known profile names, or undefined when
 * it could not be loaded (then profile names are not checked).
 */
export function checkCrossReferences(raw: unknown, profiles: ReadonlySet<string> | undefined): PathIssue[] {
  const root = asRecord(raw);
  if (root === undefined) return [];
  const issues: PathIssue[] = [];
  for (const section of ID_SECTIONS) issues.push(...duplicateIds(section, entriesOf(root, section)));
  const meters = entriesOf(root, "meters");
  issues.push(...duplicateUnits(meters));
  issues.push(...missingTargets(meters, "meters", "bus", idsOf(root, "buses")));
  if (root["accounts"] !== undefined) {
    issues.push(...missingTargets(meters, "meters", "account", idsOf(root, "accounts")));
  }
  if (profiles !== undefined) issues.push(...missingTargets(meters, "meters", "profile", profiles, "known"));
  for (const { section, field, target } of sectionReferences) {
    issues.push(...missingTargets(entriesOf(root, section), section, field, idsOf(root, target)));
  }
  return issues;
}

function duplicateIds(section: string, entries: readonly Entry[]): PathIssue[] {
  const firstIndex = new Map<string, number>();
  const issues: PathIssue[] = [];
  for (const { index, fields } of entries) {
    const id = fields["id"];
    if (typeof id !== "string") continue;
    const first = firstIndex.get(id);
    if (first === undefined) firstIndex.set(id, index);
    else {
      const message = `id '${id}' is already used by ${formatPath([section, first])}`;
      issues.push({ path: [section, index, "id"], message });
    }
  }
  return issues;
}

/** Two meters with one Modbus unit, or one DL/T 645 address, on the same bus. */
function duplicateUnits(meters: readonly Entry[]): PathIssue[] {
  const owners = new Map<string, Entry>();
  const issues: PathIssue[] = [];
  for (const meter of meters) {
    const { bus } = meter.fields;
    const station = stationOf(meter.fields);
    if (typeof bus !== "string" || station === undefined) continue;
    const key = `${bus}\u0000${station.key}\u0000${station.value}`;
    const owner = owners.get(key);
    if (owner === undefined) {
      owners.set(key, meter);
      continue;
    }
    const ownerId = typeof owner.fields["id"] === "string" ? `meter '${owner.fields["id"]}' ` : "";
    const ownerPath = formatPath(["meters", owner.index]);
    issues.push({
      path: ["meters", meter.index, station.key],
      message: `${station.key} ${station.value} on bus '${bus}' is already used by ${ownerId}(${ownerPath})`,
    });
  }
  return issues;
}

/** The meter's place on its bus: a Modbus unit, or a DL/T 645 address (a YAML number padded to 12 digits). */
function stationOf(fields: Readonly<Record<string, unknown>>): { key: string; value: string } | undefined {
  const { unit, address } = fields;
  if (typeof unit === "number") return { key: "unit", value: String(unit) };
  if (typeof address === "string") return { key: "address", value: address };
  if (typeof address === "number") return { key: "address", value: String(address).padStart(12, "0") };
  return undefined;
}

/** "bus 'rs485-2' is not defined (defined: rs485-1)" for each entry whose `field` names no known id. */
export function missingTargets(
  entries: readonly Entry[],
  section: string,
  field: string,
  known: ReadonlySet<string>,
  verb: "defined" | "known" = "defined",
): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const { index, fields } of entries) {
    const value = fields[field];
    if (typeof value !== "string" || value === "" || known.has(value)) continue;
    const suggestion = suggestName(value, known);
    const hint = suggestion === undefined ? "" : `did you mean '${suggestion}'? `;
    issues.push({
      path: [section, index, field],
      message: `${field} '${value}' is not ${verb} (${hint}${verb}: ${formatNames(known)})`,
    });
  }
  return issues;
}

function idsOf(root: Readonly<Record<string, unknown>>, section: string): Set<string> {
  const ids = new Set<string>();
  for (const { fields } of entriesOf(root, section)) {
    if (typeof fields["id"] === "string") ids.add(fields["id"]);
  }
  return ids;
}

export function entriesOf(root: Readonly<Record<string, unknown>>, section: string): Entry[] {
  const list = root[section];
  if (!Array.isArray(list)) return [];
  const entries: Entry[] = [];
  for (const [index, item] of list.entries()) {
    const fields = asRecord(item);
    if (fields !== undefined) entries.push({ index, fields });
  }
  return entries;
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
