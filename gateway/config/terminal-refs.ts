/**
 * Cross-references of `terminals[]` the schema cannot see: the bus exists and speaks Modbus, the
 * account exists, the listed meters bill that account, the unit is free on the bus, the profile is known
 * and the id is not a meter's. Runs on the raw YAML value like cross-refs.ts.
 */
import { join, resolve } from "node:path";
import { loadTerminalProfiles } from "../../protocols/terminals/io/files.ts";
import { entriesOf, missingTargets, type Entry } from "./cross-refs.ts";
import type { PathIssue } from "./issues.ts";
import { formatPath } from "./messages.ts";

/** Every problem of the `terminals` section; `profiles` are the terminal profile ids known. */
export function checkTerminalReferences(
  root: Readonly<Record<string, unknown>>,
  profiles: ReadonlySet<string>,
): PathIssue[] {
  const terminals = entriesOf(root, "terminals");
  if (terminals.length === 0) return [];
  const buses = entriesOf(root, "buses");
  const meters = entriesOf(root, "meters");
  const issues = [
    ...missingTargets(terminals, "terminals", "bus", idSet(buses)),
    ...missingTargets(terminals, "terminals", "account", idSet(entriesOf(root, "accounts"))),
    ...missingTargets(terminals, "terminals", "profile", profiles, "known"),
  ];
  const meterIds = idSet(meters);
  const taken = new Map<string, string>();
  for (const m of meters) {
    if (typeof m.fields["unit"] === "number")
      taken.set(`${String(m.fields["bus"])}\u0000${m.fields["unit"]}`, `meter '${String(m.fields["id"])}'`);
  }
  const seen = new Map<string, number>();
  for (const t of terminals) {
    const { id, bus, unit, account } = t.fields;
    if (typeof id === "string" && meterIds.has(id))
      issues.push({ path: ["terminals", t.index, "id"], message: `id '${id}' is already a meter's id` });
    if (typeof id === "string" && seen.has(id))
      issues.push({
        path: ["terminals", t.index, "id"],
        message: `id '${id}' is already used by ${formatPath(["terminals", seen.get(id)!])}`,
      });
    if (typeof id === "string") seen.set(id, t.index);
    const busEntry = buses.find((b) => b.fields["id"] === bus);
    if (busEntry !== undefined && busEntry.fields["protocol"] === "dlt645")
      issues.push({
        path: ["terminals", t.index, "bus"],
        message: `bus '${String(bus)}' speaks DL/T 645: terminals are on Modbus buses`,
      });
    const key = `${String(bus)}\u0000${String(unit)}`;
    const owner = taken.get(key);
    if (typeof unit === "number" && owner !== undefined)
      issues.push({
        path: ["terminals", t.index, "unit"],
        message: `unit ${unit} on bus '${String(bus)}' is already used by ${owner}`,
      });
    else if (typeof unit === "number") taken.set(key, `terminal '${String(id)}'`);
    issues.push(...meterIssues(t, meters, account));
  }
  return issues;
}

/** Each listed meter must exist and bill the terminal's account. */
function meterIssues(terminal: Entry, meters: readonly Entry[], account: unknown): PathIssue[] {
  const listed = terminal.fields["meters"];
  if (!Array.isArray(listed)) return [];
  return listed.flatMap((meterId, i): PathIssue[] => {
    const meter = meters.find((m) => m.fields["id"] === meterId);
    const path = ["terminals", terminal.index, "meters", i];
    if (meter === undefined) return [{ path, message: `meter '${String(meterId)}' is not defined` }];
    if (meter.fields["account"] !== account)
      return [
        {
          path,
          message: `meter '${String(meterId)}' bills account '${String(meter.fields["account"])}', not '${String(account)}'`,
        },
      ];
    return [];
  });
}

function idSet(entries: readonly Entry[]): Set<string> {
  return new Set(entries.flatMap((e) => (typeof e.fields["id"] === "string" ? [e.fields["id"]] : [])));
}

/**
 * Terminal profile ids a config may name: the shipped ones and those in `gateway.profilesDir`/terminals.
 * An unreadable profile there is reported by check-config as a bad profile id (and by `run` in full).
 */
export function terminalProfileNames(raw: object, options: { baseDir: string }): ReadonlySet<string> {
  const gateway = (raw as { gateway?: { profilesDir?: unknown } | null }).gateway;
  const dir = typeof gateway === "object" ? gateway?.profilesDir : undefined;
  const userDir =
    typeof dir === "string" && dir !== "" ? join(resolve(options.baseDir, dir), "terminals") : undefined;
  try {
    return new Set(loadTerminalProfiles(userDir).keys());
  } catch {
    return new Set(loadTerminalProfiles().keys());
  }
}
