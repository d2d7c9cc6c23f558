/**
 * The DL/T 645 parts of a scenario: a meter group's `dlt645` settings and the checks a DL/T bus needs
 * (its profiles name the meter model, its addresses are unique). Modbus buses are untouched.
 */
import * as z from "zod";

/** The two simulated DL/T 645 models, named as the gateway's profiles are. */
export const dltProfiles = {
  "dlt645-single-phase": "single-phase",
  "dlt645-three-phase": "three-phase",
} as const;

export const dltMeterSchema = z.strictObject({
  /** Address of the group's first meter, 12 decimal digits; the others count up. Default: the unit, zero-padded. */
  address: z
    .string()
    .regex(/^[0-9]{12}$/, "12 decimal digits")
    .optional(),
  /** Privilege level accepted for relay control and writes, 0..99; default 2 (98: ESAM). */
  level: z.number().int().min(0).max(99).default(2),
  /** 6 decimal digits; default 000000. */
  password: z
    .string()
    .regex(/^[0-9]{6}$/, "6 decimal digits")
    .default("000000"),
  /** How the meter expects the password bytes: `low-first` (default) or `as-written`. */
  passwordOrder: z.enum(["low-first", "as-written"]).default("low-first"),
  /** Longest payload per reply, 1..200 bytes; longer reads are split into 0xB1 + 0x12 follow-ups. Default 200. */
  maxPayloadBytes: z.number().int().min(1).max(200).default(200),
  /** Meter clock minus true time at start, ms, -86400000..86400000; default 0. */
  clockOffsetMs: z.number().int().min(-86_400_000).max(86_400_000).default(0),
  /** Clock drift in ppm, -10000..10000 (86.4 s a day per 1000 ppm); default 0. */
  clockDriftPpm: z.number().min(-10_000).max(10_000).default(0),
});

export type DltMeterSpec = z.output<typeof dltMeterSchema>;

/** The address of the i-th meter of a group. */
export function groupAddress(spec: DltMeterSpec | undefined, unit: number, i: number): string {
  if (spec?.address === undefined) return String(unit).padStart(12, "0");
  return ((BigInt(spec.address) + BigInt(i)) % 1_000_000_000_000n).toString().padStart(12, "0");
}

interface BusShape {
  readonly name: string;
  readonly protocol: "modbus" | "dlt645";
  readonly meters: ReadonlyArray<{
    readonly units: readonly number[];
    readonly profile: string;
    readonly dlt645?: DltMeterSpec | undefined;
  }>;
}

/** Profiles and `dlt645` settings fit the bus's protocol; addresses on a DL/T bus are unique. */
export function checkDltBus(bus: BusShape, b: number, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  bus.meters.forEach((group, g) => {
    const path = ["buses", b, "meters", g];
    if (bus.protocol === "modbus") {
      if (group.dlt645 !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [...path, "dlt645"],
          message: "only on a bus with protocol: dlt645",
        });
      return;
    }
    if (!Object.hasOwn(dltProfiles, group.profile)) {
      ctx.addIssue({
        code: "custom",
        path: [...path, "profile"],
        message: `a dlt645 bus serves ${Object.keys(dltProfiles).join(" or ")}`,
      });
    }
    group.units.forEach((unit, i) => {
      const address = groupAddress(group.dlt645, unit, i);
      if (seen.has(address))
        ctx.addIssue({
          code: "custom",
          path: [...path, "dlt645"],
          message: `address ${address} is already on bus '${bus.name}'`,
        });
      seen.add(address);
    });
  });
}
