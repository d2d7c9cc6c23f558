/**
 * Which protocol each bus and meter speaks, when the config leaves it out: a meter takes its profile's
 * (`dlt645-single-phase` is a DL/T 645 profile), or DL/T 645 when it has an `address`; a bus takes its
 * meters'. The schema then checks each entry against its protocol's variant (defaults included: a
 * DL/T 645 serial line defaults to 2400 8E1). Runs on the raw YAML value; entries are copied, never
 * changed in place, so issues still locate in the source.
 */
import type { PathIssue } from "./issues.ts";

/** The protocols a bus or meter may speak. */
export type WireProtocol = "modbus" | "dlt645";

type Fields = Readonly<Record<string, unknown>>;

/**
 * `raw` with `protocol` filled in on every bus and meter whose protocol follows from the rest, plus the
 * contradictions: a meter on a bus of another protocol, or with a profile of another protocol.
 * @param profileProtocols profile name -> protocol; undefined when the profiles could not be loaded
 */
export function inferProtocols(
  raw: Fields,
  profileProtocols: ReadonlyMap<string, string> | undefined,
): { value: Fields; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const meters = listOf(raw["meters"]).map((meter, index) => {
    if (meter === undefined) return undefined;
    const profile =
      typeof meter["profile"] === "string" ? profileProtocols?.get(meter["profile"]) : undefined;
    const own = meter["protocol"];
    if (typeof own === "string" && profile !== undefined && own !== profile)
      issues.push({
        path: ["meters", index, "profile"],
        message: `profile '${String(meter["profile"])}' is a ${profile} profile, but this meter's protocol is ${own}`,
      });
    const protocol = own ?? profile ?? ("address" in meter ? "dlt645" : undefined);
    return protocol === undefined ? meter : { ...meter, protocol };
  });
  const buses = listOf(raw["buses"]).map((bus) => {
    if (bus === undefined || "protocol" in bus) return bus;
    const spoken = new Set(
      meters.filter((m) => m?.["bus"] === bus["id"]).map((m) => m?.["protocol"] ?? "modbus"),
    );
    const [only] = spoken;
    return spoken.size === 1 && typeof only === "string" ? { ...bus, protocol: only } : bus;
  });
  issues.push(...busMismatches(buses, meters));
  const value = { ...raw };
  if (Array.isArray(raw["meters"])) value["meters"] = withEntries(raw["meters"], meters);
  if (Array.isArray(raw["buses"])) value["buses"] = withEntries(raw["buses"], buses);
  return { value, issues };
}

/** "meter 'm2' speaks dlt645 but bus 'b1' is modbus" for each meter on a bus of another protocol. */
function busMismatches(
  buses: ReadonlyArray<Fields | undefined>,
  meters: ReadonlyArray<Fields | undefined>,
): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const [index, meter] of meters.entries()) {
    const bus = buses.find((b) => b !== undefined && b["id"] === meter?.["bus"]);
    if (meter === undefined || bus === undefined) continue;
    const meterProtocol = protocolOf(meter);
    const busProtocol = protocolOf(bus);
    if (meterProtocol === busProtocol) continue;
    issues.push({
      path: ["meters", index, "bus"],
      message:
        `meter '${String(meter["id"])}' speaks ${meterProtocol} but bus '${String(bus["id"])}' ` +
        `is ${busProtocol}: one bus carries one protocol`,
    });
  }
  return issues;
}

/** An entry's protocol as written or inferred; Modbus when none. */
function protocolOf(entry: Fields): string {
  const protocol = entry["protocol"];
  return typeof protocol === "string" ? protocol : "modbus";
}

/** The list's entries that are mappings (others stay undefined, for the schema to report). */
function listOf(value: unknown): Array<Fields | undefined> {
  if (!Array.isArray(value)) return [];
  return value.map((item: unknown) =>
    typeof item === "object" && item !== null && !Array.isArray(item) ? (item as Fields) : undefined,
  );
}

/** The original list with its mapping entries replaced by their inferred copies. */
function withEntries(original: readonly unknown[], entries: ReadonlyArray<Fields | undefined>): unknown[] {
  return original.map((item, index) => entries[index] ?? item);
}
