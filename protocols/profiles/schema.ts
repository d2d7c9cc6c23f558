/**
 * Meter profiles are data (STYLE.md principle 1; DOMAIN.md section 4): register maps validated when
 * loaded, so a new meter model is a YAML file, not code.
 */
import * as z from "zod";
import { quantityNames } from "./quantities.ts";

const address = z.number().int().min(0).max(0xffff);

const registerFormatFields = {
  type: z.enum(["int16", "uint16", "int32", "uint32", "float32"]).optional(),
  wordOrder: z.enum(["big", "little"]).optional(),
  byteOrder: z.enum(["big", "little"]).optional(),
};

/** One mapped quantity: where it lives and how to turn registers into its unit. */
export const quantitySpecSchema = z.strictObject({
  /** 3 = holding registers, 4 = input registers. */
  fc: z.union([z.literal(3), z.literal(4)]).optional(),
  address,
  ...registerFormatFields,
  /** Multiplier from the raw value to the quantity's unit (kWh -> Wh is 1000; 0.1 V steps are 0.1). */
  scale: z.number().positive().default(1),
  /**
   * Some firmware of this model lacks the register (the SDM120's serial number at FC 03 0xFC00): it is
   * read in a request of its own, and a Modbus exception 01, 02 or 03 there leaves the quantity out of
   * the reading instead of failing it. Default false. Not allowed for importEnergyWh, which is billed.
   */
  optional: z.boolean().default(false),
});

/** How to read whether the supply is on. */
export const relayStateSchema = z.discriminatedUnion("fc", [
  /** Coil (01) or discrete input (02): 1 = supply on unless `onValue` is 0. */
  z.strictObject({
    fc: z.union([z.literal(1), z.literal(2)]),
    address,
    onValue: z.literal([0, 1]).default(1),
  }),
  /** Holding (03) or input (04) register equal to `onValue` = supply on. */
  z.strictObject({
    fc: z.union([z.literal(3), z.literal(4)]),
    address,
    onValue: z.number().int().min(0).max(0xffff),
  }),
]);

/** How to switch the supply. */
export const relayCommandSchema = z.discriminatedUnion("fc", [
  /** Write single coil (05): `on` / `off` are the coil values that close / open the relay. */
  z.strictObject({
    fc: z.literal(5),
    address,
    on: z.literal([0, 1]).default(1),
    off: z.literal([0, 1]).default(0),
  }),
  /** Write single register (06) with the register values for close / open. */
  z.strictObject({
    fc: z.literal(6),
    address,
    on: z.number().int().min(0).max(0xffff),
    off: z.number().int().min(0).max(0xffff),
  }),
]);

const quantitiesSchema = z.record(z.string(), quantitySpecSchema).superRefine((quantities, ctx) => {
  for (const name of Object.keys(quantities)) {
    if (!(quantityNames as string[]).includes(name)) {
      ctx.addIssue({ code: "custom", path: [name], message: `unknown quantity '${name}'` });
    }
  }
  // A reading without the billed counter would be charged as 0 Wh: the meter must fail instead.
  if (quantities["importEnergyWh"]?.optional === true) {
    ctx.addIssue({
      code: "custom",
      path: ["importEnergyWh", "optional"],
      message: "importEnergyWh is billed and cannot be optional",
    });
  }
});

export const modbusProfileSchema = z.strictObject({
  /** Profile name used in config (`profile: sdm120`). */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, '-' and '_'"),
  description: z.string().default(""),
  protocol: z.literal("modbus").default("modbus"),
  /** Defaults applied to every quantity that does not set its own. */
  defaults: z
    .strictObject({
      fc: z.union([z.literal(3), z.literal(4)]).default(4),
      type: z.enum(["int16", "uint16", "int32", "uint32", "float32"]).default("float32"),
      wordOrder: z.enum(["big", "little"]).default("big"),
      byteOrder: z.enum(["big", "little"]).default("big"),
    })
    .prefault({}),
  /**
   * Registers between two mapped quantities that may be read over (and discarded) to save a request.
   * 0..125, default 0. Only raise it for meters that answer every address in the span.
   */
  maxGapRegisters: z.number().int().min(0).max(125).default(0),
  /** Maximum registers in one read; 1..125, default 125 (the Modbus limit). */
  maxRegistersPerRead: z.number().int().min(1).max(125).default(125),
  quantities: quantitiesSchema,
  relay: z.strictObject({ state: relayStateSchema, command: relayCommandSchema }).optional(),
  /**
   * The meter's alarm output (buzzer or display), written like the relay command: `on` sounds it, `off`
   * silences it. The gateway sounds it while the account is at or below alarm 1 (the cost-control
   * meters' alarm, DL/T 645 N1 = 2A / 2B). Absent: the meter has none.
   */
  alarm: relayCommandSchema.optional(),
});

export type ModbusProfileInput = z.input<typeof modbusProfileSchema>;
export type ModbusProfile = z.output<typeof modbusProfileSchema>;
export type QuantitySpec = z.output<typeof quantitySpecSchema>;
export type RelayStateSpec = z.output<typeof relayStateSchema>;
export type RelayCommandSpec = z.output<typeof relayCommandSchema>;

/** A Modbus profile (DL/T 645 profiles are in dlt645-schema.ts; `LoadedProfile` in load.ts is either). */
export type MeterProfile = ModbusProfile;
