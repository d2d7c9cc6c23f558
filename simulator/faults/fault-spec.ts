/**
 * Fault personas (STYLE.md principle 11) as data: one schema for scenario files, the timeline and the
 * control interface. Three families:
 * - reply faults act on each request the meter gets (optionally with a probability: a flaky meter);
 * - state faults change how the meter behaves until cleared (or until `for` has passed);
 * - one-shot faults happen once, at the moment they are injected.
 */
import * as z from "zod";
import { durationSchema } from "../scenario/duration-schema.ts";

/** Exception codes the simulator can answer with (Modbus Application Protocol v1.1b3, section 7). */
export const exceptionCodes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0a, 0x0b] as const;

/** Numbers are decimal; strings are hex ("0A", "0x0B"), the way exception codes are usually written. */
const exceptionCodeSchema = z
  .union([
    z.number().int(),
    z
      .string()
      .regex(/^(0x)?[0-9a-f]{1,2}$/i, "a hex code such as 02 or 0x0A")
      .transform((s) => Number.parseInt(s.replace(/^0x/i, ""), 16)),
  ])
  .pipe(
    z.number().refine((code) => (exceptionCodes as readonly number[]).includes(code), {
      message: "Modbus exception codes are 01, 02, 03, 04, 05, 06, 0A and 0B",
    }),
  );

/** Chance that a reply fault hits a given request, 0..1; absent means every request. */
const probability = z.number().min(0).max(1).optional();
/** Simulated time after which the fault clears itself; absent means until cleared. */
const forDuration = durationSchema.pipe(z.number().min(1)).optional();
const reply = { probability, for: forDuration };

export const faultSpecSchema = z.discriminatedUnion("kind", [
  /** Off the bus: requests never reach the meter (writes are not applied), nothing comes back. */
  z.strictObject({ kind: z.literal("offline"), ...reply }),
  /** The meter acts on the request (a write is applied) but its reply is lost. */
  z.strictObject({ kind: z.literal("no-reply"), ...reply }),
  /** Answers with this Modbus exception instead of acting on the request. */
  z.strictObject({ kind: z.literal("exception"), code: exceptionCodeSchema, ...reply }),
  /** Replies late by `delayMs` real milliseconds (1..60000). */
  z.strictObject({ kind: z.literal("delay"), delayMs: z.number().int().min(1).max(60_000), ...reply }),
  /** Replies under another unit id (default unit + 1; 247 answers as 1). */
  z.strictObject({
    kind: z.literal("wrong-unit"),
    replyUnit: z.number().int().min(1).max(247).optional(),
    ...reply,
  }),
  /** The reply's CRC is wrong (on Modbus TCP: a TCP-to-RTU converter answers exception 0B instead). */
  z.strictObject({ kind: z.literal("crc"), ...reply }),
  /** Only the first `keepBytes` bytes of the reply go out (default half of it, at least 1). */
  z.strictObject({
    kind: z.literal("truncated"),
    keepBytes: z.number().int().min(1).max(255).optional(),
    ...reply,
  }),
  /** Seeded noise (`bytes` 1..64, default 8) instead of the reply, or before it with `withReply`. */
  z.strictObject({
    kind: z.literal("garbage"),
    bytes: z.number().int().min(1).max(64).default(8),
    withReply: z.boolean().default(false),
    ...reply,
  }),
  /** Energy flows backwards: `export` counts into the export register, `decreasing` runs import down. */
  z.strictObject({
    kind: z.literal("reverse-energy"),
    mode: z.enum(["export", "decreasing"]).default("export"),
    for: forDuration,
  }),
  /** The terminal cover is open (tamper flag), shown by the control interface and logged as events. */
  z.strictObject({ kind: z.literal("tamper"), for: forDuration }),
  /** The relay ignores writes but still acknowledges them. */
  z.strictObject({ kind: z.literal("relay-stuck"), for: forDuration }),
  /**
   * Firmware without some registers (an SDM120 without the serial number at FC 03 0xFC00): every read
   * with function `fc` (1..4, default 3) that touches [address, address + count) (count 1..125,
   * default 1) answers exception `code` (default 02, illegal data address); other reads are untouched.
   */
  z.strictObject({
    kind: z.literal("missing-registers"),
    fc: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]).default(3),
    address: z.number().int().min(0).max(0xffff),
    count: z.number().int().min(1).max(125).default(1),
    code: exceptionCodeSchema.default(0x02),
    for: forDuration,
  }),
  /**
   * DL/T 645 only: each reply goes out in `pieces` (2..16, default 2) chunks `gapMs` real ms apart
   * (1..5000, default 30), as a slow converter or a long line delivers it.
   */
  z.strictObject({
    kind: z.literal("split"),
    pieces: z.number().int().min(2).max(16).default(2),
    gapMs: z.number().int().min(1).max(5000).default(30),
    for: forDuration,
  }),
  /**
   * DL/T 645 only: the meter's values put 68 and 16 into the masked data (frequency 50.35 Hz, status
   * word 1 = 16E3), so a master that frames by scanning for 68/16 instead of the length byte breaks.
   */
  z.strictObject({ kind: z.literal("delimiter-data"), for: forDuration }),
  /** One-shot: the energy registers reset to zero. */
  z.strictObject({ kind: z.literal("energy-reset") }),
  /** One-shot: a different meter now sits at this unit id: new serial number and energy. */
  z.strictObject({
    kind: z.literal("meter-replaced"),
    serialNumber: z.number().int().min(1).max(0xffffffff).optional(),
    energyWh: z.number().min(0).max(1e12).default(0),
  }),
  /** One-shot: the relay opens by itself (supply cut without a command). */
  z.strictObject({ kind: z.literal("relay-drop") }),
]);

export type FaultSpec = z.output<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;
export type FaultKind = FaultSpec["kind"];

/** Reply faults in the order they are tried on each request. */
export const replyFaultKinds = [
  "offline",
  "no-reply",
  "exception",
  "wrong-unit",
  "delay",
  "crc",
  "truncated",
  "garbage",
] as const;
export const stateFaultKinds = [
  "reverse-energy",
  "tamper",
  "relay-stuck",
  "missing-registers",
  "split",
  "delimiter-data",
] as const;
export const oneShotFaultKinds = ["energy-reset", "meter-replaced", "relay-drop"] as const;
export const faultKinds: readonly FaultKind[] = [
  ...replyFaultKinds,
  ...stateFaultKinds,
  ...oneShotFaultKinds,
];

export type ReplyFaultSpec = Extract<FaultSpec, { kind: (typeof replyFaultKinds)[number] }>;
export type StateFaultSpec = Extract<FaultSpec, { kind: (typeof stateFaultKinds)[number] }>;
export type OneShotFaultSpec = Extract<FaultSpec, { kind: (typeof oneShotFaultKinds)[number] }>;
/** Faults that stay active until cleared or expired. */
export type PersistentFaultSpec = ReplyFaultSpec | StateFaultSpec;

export type PersistentFaultKind = PersistentFaultSpec["kind"];

export function isPersistentKind(kind: string): kind is PersistentFaultKind {
  return (
    (replyFaultKinds as readonly string[]).includes(kind) ||
    (stateFaultKinds as readonly string[]).includes(kind)
  );
}

export function isOneShot(spec: FaultSpec): spec is OneShotFaultSpec {
  return (oneShotFaultKinds as readonly string[]).includes(spec.kind);
}

export function isFaultKind(kind: string): kind is FaultKind {
  return (faultKinds as readonly string[]).includes(kind);
}
