/**
 * A validated profile with defaults applied and its read plan computed once, at load time, so the
 * per-poll path only copies registers and decodes.
 */
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import { registerCount, type RegisterFormat } from "../modbus/registers.ts";
import type { RegisterReadFc } from "../modbus/pdu.ts";
import type { QuantityName } from "./quantities.ts";
import type { MeterProfile, RelayCommandSpec, RelayStateSpec } from "./schema.ts";

export interface ResolvedQuantity extends RegisterFormat {
  readonly name: QuantityName;
  readonly fc: RegisterReadFc;
  readonly address: number;
  readonly count: 1 | 2;
  readonly scale: number;
  /** The meter may lack the register; see `optional` in schema.ts. */
  readonly optional: boolean;
}

/** One read request: a contiguous register span and the quantities inside it. */
export interface ReadBlock {
  readonly fc: RegisterReadFc;
  readonly address: number;
  readonly count: number;
  readonly quantities: readonly ResolvedQuantity[];
  /** One optional quantity alone: a Modbus exception here does not fail the reading. */
  readonly optional: boolean;
}

export interface ResolvedProfile {
  readonly id: string;
  readonly description: string;
  /** `dlt645` only for the simulator's DL/T 645 meters, which have no register map (simulator/dlt645/). */
  readonly protocol: "modbus" | "dlt645";
  readonly source: string;
  readonly quantities: readonly ResolvedQuantity[];
  readonly blocks: readonly ReadBlock[];
  readonly relay?: { readonly state: RelayStateSpec; readonly command: RelayCommandSpec };
  /** The alarm output, written like the relay command (on = sound); absent: none. */
  readonly alarm?: RelayCommandSpec;
}

/**
 * Groups quantities into as few reads as possible: same function code, sorted by address, merged while
 * the span stays within `maxRegistersPerRead` and the hole between them is at most `maxGapRegisters`.
 * Each optional quantity is a block of its own, after the required ones, and no required block reads
 * over its registers: a meter that lacks it answers any request touching it with an exception, which
 * must cost neither a required quantity nor another optional one.
 */
export function planReads(
  quantities: readonly ResolvedQuantity[],
  maxGapRegisters: number,
  maxRegistersPerRead: number,
): ReadBlock[] {
  const required = quantities.filter((q) => !q.optional);
  const optional = quantities
    .filter((q) => q.optional)
    .sort((a, b) => a.fc - b.fc || a.address - b.address)
    .map((q): ReadBlock => ({
      fc: q.fc,
      address: q.address,
      count: q.count,
      quantities: [q],
      optional: true,
    }));
  return [...mergeReads(required, optional, maxGapRegisters, maxRegistersPerRead), ...optional];
}

function mergeReads(
  quantities: readonly ResolvedQuantity[],
  avoid: readonly ReadBlock[],
  maxGapRegisters: number,
  maxRegistersPerRead: number,
): ReadBlock[] {
  const blocks: Array<Omit<ReadBlock, "optional">> = [];
  for (const fc of [3, 4] as const) {
    const sorted = quantities.filter((q) => q.fc === fc).sort((a, b) => a.address - b.address);
    let current: { address: number; end: number; quantities: ResolvedQuantity[] } | undefined;
    for (const q of sorted) {
      const end = q.address + q.count;
      if (
        current !== undefined &&
        q.address - current.end <= maxGapRegisters &&
        Math.max(end, current.end) - current.address <= maxRegistersPerRead &&
        !avoid.some((b) => b.fc === fc && b.address < q.address && b.address + b.count > current!.end)
      ) {
        current.end = Math.max(current.end, end);
        current.quantities.push(q);
        continue;
      }
      if (current !== undefined) blocks.push({ fc, ...current, count: current.end - current.address });
      current = { address: q.address, end, quantities: [q] };
    }
    if (current !== undefined) blocks.push({ fc, ...current, count: current.end - current.address });
  }
  return blocks.map(({ fc, address, count, quantities: qs }) => ({
    fc,
    address,
    count,
    quantities: qs,
    optional: false,
  }));
}

export function resolveProfile(profile: MeterProfile, source: string): ResolvedProfile {
  const quantities: ResolvedQuantity[] = Object.entries(profile.quantities).map(([name, spec]) => {
    const type = spec.type ?? profile.defaults.type;
    const count = registerCount(type);
    if (spec.address + count > 0x10000) {
      throw new GatewayError(
        ErrorCode.ProfileInvalid,
        `${source}: quantities.${name} runs past register 65535`,
      );
    }
    return {
      name: name as QuantityName,
      fc: spec.fc ?? profile.defaults.fc,
      address: spec.address,
      type,
      wordOrder: spec.wordOrder ?? profile.defaults.wordOrder,
      byteOrder: spec.byteOrder ?? profile.defaults.byteOrder,
      count,
      scale: spec.scale,
      optional: spec.optional,
    };
  });
  return {
    id: profile.id,
    description: profile.description,
    protocol: profile.protocol,
    source,
    quantities,
    blocks: planReads(quantities, profile.maxGapRegisters, profile.maxRegistersPerRead),
    ...(profile.relay === undefined ? {} : { relay: profile.relay }),
    ...(profile.alarm === undefined ? {} : { alarm: profile.alarm }),
  };
}
