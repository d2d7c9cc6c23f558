/**
 * A validated DL/T 645 profile resolved against the codec's DI table once, at load time: every DI
 * known, its unit the quantity's unit, every block member of the block's format. The per-poll path
 * then only sends reads and decodes.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { baseUnits, findDataId, formatDi, parseDi, type DataIdEntry } from "../dlt645/index.ts";
import { isQuantityName, quantityUnits, type QuantityName } from "./quantities.ts";
import type { Dlt645Profile } from "./dlt645-schema.ts";

export interface ResolvedDlt645Quantity {
  readonly name: QuantityName;
  readonly di: number;
  readonly entry: DataIdEntry;
  /** The meter may lack the DI (error 02 leaves the quantity out). */
  readonly optional: boolean;
}

/** A block read: its DI and the quantities its reply carries, by position. */
export interface Dlt645Block {
  readonly di: number;
  readonly entry: DataIdEntry;
  readonly members: readonly ResolvedDlt645Quantity[];
}

export interface ResolvedDlt645Profile {
  readonly id: string;
  readonly description: string;
  readonly protocol: "dlt645";
  readonly source: string;
  /** Every quantity the profile maps (block members included). */
  readonly quantities: readonly ResolvedDlt645Quantity[];
  readonly blocks: readonly Dlt645Block[];
  /** Quantities read one DI at a time (not members of a block). */
  readonly singles: readonly ResolvedDlt645Quantity[];
  readonly clock?: { readonly date: number; readonly time: number };
  readonly relay?: { readonly state: { readonly di: number; readonly openBit: number } };
}

function invalid(source: string, path: string, message: string): GatewayError {
  return new GatewayError(ErrorCode.ProfileInvalid, `${source}: ${path}: ${message}`, { source });
}

/** The DI's table entry, or a ProfileInvalid error naming the field. */
function entryOf(source: string, path: string, text: string): DataIdEntry {
  const entry = findDataId(parseDi(text));
  if (entry === undefined)
    throw invalid(source, path, `DI ${text.toUpperCase()} is not in the DL/T 645 table`);
  return entry;
}

function resolveQuantity(source: string, name: string, spec: Dlt645Profile["quantities"][string]) {
  const path = `quantities.${name}`;
  if (!isQuantityName(name)) throw invalid(source, path, `unknown quantity '${name}'`);
  if (name === "importEnergyWh" && spec.optional)
    throw invalid(source, `${path}.optional`, "importEnergyWh is billed and cannot be optional");
  const entry = entryOf(source, `${path}.di`, spec.di);
  if (entry.count !== 1)
    throw invalid(source, `${path}.di`, `DI ${formatDi(entry.di)} is a block; list it under blocks`);
  const unit = entry.format.kind === "number" ? baseUnits[entry.format.unit].unit : undefined;
  if (name !== "statusWord3" && unit !== quantityUnits[name]) {
    const got = unit === undefined ? `a ${entry.format.kind} field` : `'${unit}'`;
    throw invalid(
      source,
      `${path}.di`,
      `DI ${formatDi(entry.di)} reads ${got}, but ${name} is in '${quantityUnits[name]}'`,
    );
  }
  return { name, di: entry.di, entry, optional: spec.optional } satisfies ResolvedDlt645Quantity;
}

function resolveBlock(
  source: string,
  index: number,
  block: Dlt645Profile["blocks"][number],
  byName: ReadonlyMap<string, ResolvedDlt645Quantity>,
): Dlt645Block {
  const path = `blocks[${index}]`;
  const entry = entryOf(source, `${path}.di`, block.di);
  if (block.quantities.length > entry.count)
    throw invalid(
      source,
      `${path}.quantities`,
      `block ${formatDi(entry.di)} carries ${entry.count} values, ${block.quantities.length} listed`,
    );
  const members = block.quantities.map((name, i) => {
    const member = byName.get(name);
    if (member === undefined)
      throw invalid(source, `${path}.quantities[${i}]`, `'${name}' is not under quantities`);
    if (JSON.stringify(member.entry.format) !== JSON.stringify(entry.format))
      throw invalid(
        source,
        `${path}.quantities[${i}]`,
        `${name} (DI ${formatDi(member.di)}) is not in the block's format`,
      );
    return member;
  });
  return { di: entry.di, entry, members };
}

/** Resolves a parsed DL/T 645 profile; throws GatewayError(ProfileInvalid) naming the field. */
export function resolveDlt645Profile(profile: Dlt645Profile, source: string): ResolvedDlt645Profile {
  const quantities = Object.entries(profile.quantities).map(([name, spec]) =>
    resolveQuantity(source, name, spec),
  );
  const byName = new Map(quantities.map((q) => [q.name as string, q]));
  const blocks = profile.blocks.map((block, i) => resolveBlock(source, i, block, byName));
  const inBlocks = new Set(blocks.flatMap((b) => b.members.map((m) => m.name)));
  const clock = profile.clock;
  if (clock !== undefined) {
    entryOf(source, "clock.date", clock.date);
    entryOf(source, "clock.time", clock.time);
  }
  return {
    id: profile.id,
    description: profile.description,
    protocol: "dlt645",
    source,
    quantities,
    blocks,
    singles: quantities.filter((q) => !inBlocks.has(q.name)),
    ...(clock === undefined ? {} : { clock: { date: parseDi(clock.date), time: parseDi(clock.time) } }),
    ...(profile.relay === undefined
      ? {}
      : {
          relay: {
            state: {
              di: entryOf(source, "relay.state.di", profile.relay.state.di).di,
              openBit: profile.relay.state.openBit,
            },
          },
        }),
  };
}
