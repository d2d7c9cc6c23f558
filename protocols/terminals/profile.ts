/**
 * Terminal profiles: the register map of a prepayment terminal (in-home display with keypad, payment
 * terminal) as data, like a meter profile. Each field has a fixed type, known by its name
 * (docs/terminals.md); a profile only places the fields. Pure: files are read by ./io/files.ts.
 */
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { ErrorCode, GatewayError } from "../../core/errors.ts";

/** How a field is held: one register, two (high word first), or ASCII text two characters a register. */
export type TerminalFieldType = "uint16" | "uint32" | "int32" | "text";

const address = z.number().int().min(0).max(0xffff);
const text = (max: number) => z.strictObject({ address, chars: z.number().int().min(2).max(max) });

const profileSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and '-'"),
  description: z.string().min(1),
  protocol: z.literal("modbus").default("modbus"),
  display: z.strictObject({
    balanceFen: address,
    alarm: address,
    supply: address,
    cutAtS: address,
    priceE4: address,
    sequence: address,
    message: text(120),
  }),
  answer: z.strictObject({
    status: address,
    entryId: address,
    balanceFen: address,
    reason: text(64),
  }),
  input: z.strictObject({
    pending: address,
    entryId: address,
    kind: address,
    token: text(20).refine((t) => t.chars === 20, "a token field holds 20 digits (chars: 20)"),
    amountFen: address,
    reference: text(64),
  }),
  ack: address,
});

const fieldTypes: Record<string, TerminalFieldType> = {
  balanceFen: "int32",
  cutAtS: "uint32",
  priceE4: "uint32",
  entryId: "uint32",
  amountFen: "uint32",
  alarm: "uint16",
  supply: "uint16",
  sequence: "uint16",
  status: "uint16",
  pending: "uint16",
  kind: "uint16",
};

/** One field placed in a block. */
export interface TerminalField {
  readonly name: string;
  readonly type: TerminalFieldType;
  readonly address: number;
  /** Registers it takes. */
  readonly words: number;
  /** Characters, for text. */
  readonly chars?: number;
}

/** Contiguous registers read or written in one request (FC 03 / FC 16). */
export interface TerminalBlock {
  readonly address: number;
  /** Registers, 1..123 (the FC 16 limit, Modbus Application Protocol 6.12). */
  readonly count: number;
  readonly fields: readonly TerminalField[];
}

export interface TerminalProfile {
  readonly id: string;
  readonly description: string;
  readonly protocol: "modbus";
  readonly display: TerminalBlock;
  readonly answer: TerminalBlock;
  readonly input: TerminalBlock;
  /** Register pair the gateway writes an entry id to, to take that entry off the queue. */
  readonly ack: number;
}

/** Most registers one FC 16 request writes (Modbus Application Protocol V1.1b3, 6.12). */
const maxWriteRegisters = 123;

/** Parses and validates one terminal profile; throws GatewayError(ProfileInvalid) naming the fields. */
export function parseTerminalProfile(source: string, sourceName: string): TerminalProfile {
  let data: unknown;
  try {
    data = parseYaml(source);
  } catch (error) {
    throw invalid(sourceName, [`not valid YAML: ${String(error)}`]);
  }
  const parsed = profileSchema.safeParse(data);
  if (!parsed.success)
    throw invalid(
      sourceName,
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    );
  const p = parsed.data;
  const profile: TerminalProfile = {
    id: p.id,
    description: p.description,
    protocol: p.protocol,
    display: blockOf("display", p.display, sourceName),
    answer: blockOf("answer", p.answer, sourceName),
    input: blockOf("input", p.input, sourceName),
    ack: p.ack,
  };
  checkDisjoint(profile, sourceName);
  return profile;
}

function blockOf(
  group: string,
  spec: Record<string, number | { address: number; chars: number }>,
  sourceName: string,
): TerminalBlock {
  const fields = Object.entries(spec).map(([name, at]): TerminalField => {
    if (typeof at === "number") {
      const type = fieldTypes[name] ?? "uint16";
      return { name, type, address: at, words: type === "uint16" ? 1 : 2 };
    }
    return { name, type: "text", address: at.address, words: Math.ceil(at.chars / 2), chars: at.chars };
  });
  fields.sort((a, b) => a.address - b.address);
  for (let i = 1; i < fields.length; i++) {
    const before = fields[i - 1]!;
    if (before.address + before.words > fields[i]!.address)
      throw invalid(sourceName, [`${group}.${fields[i]!.name}: overlaps ${group}.${before.name}`]);
  }
  const first = fields[0]!.address;
  const last = fields[fields.length - 1]!;
  const count = last.address + last.words - first;
  if (count > maxWriteRegisters)
    throw invalid(sourceName, [`${group}: spans ${count} registers (at most ${maxWriteRegisters})`]);
  return { address: first, count, fields };
}

function checkDisjoint(profile: TerminalProfile, sourceName: string): void {
  const spans: Array<[string, number, number]> = [
    ["display", profile.display.address, profile.display.count],
    ["answer", profile.answer.address, profile.answer.count],
    ["input", profile.input.address, profile.input.count],
    ["ack", profile.ack, 2],
  ];
  for (const [a, aStart, aCount] of spans)
    for (const [b, bStart, bCount] of spans)
      if (a < b && aStart < bStart + bCount && bStart < aStart + aCount)
        throw invalid(sourceName, [`${a} and ${b} overlap`]);
}

function invalid(source: string, problems: string[]): GatewayError {
  return new GatewayError(ErrorCode.ProfileInvalid, `${source}: ${problems.join("; ")}`, {
    source,
    problems,
  });
}
