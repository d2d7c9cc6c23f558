/**
 * DL/T 645-2007 meter profiles as data (DOMAIN.md section 5): each quantity names the data identifier
 * (DI) it is read from; the DI's BCD layout and unit come from the codec's table, so a profile cannot
 * read a voltage as energy. Blocks (0001FF00: total + tariffs 1..4) read several quantities in one
 * request, and fall back to single DIs on meters that answer them with error 02 (no requested data).
 */
import * as z from "zod";

/** A DI written as on the standard's tables, most significant byte first: 8 hex digits, `00010000`. */
export const diText = z.string().regex(/^[0-9A-Fa-f]{8}$/, "a DI is 8 hexadecimal digits, e.g. '00010000'");

/** One quantity read from one DI. */
export const dlt645QuantitySchema = z.strictObject({
  di: diText,
  /**
   * Some meters lack this DI and answer error 02 (no requested data): the quantity is then left out of
   * the reading instead of failing it. Default false. Not allowed for importEnergyWh, which is billed.
   */
  optional: z.boolean().default(false),
});

/** A block DI whose reply carries several quantities, in the order listed. */
export const dlt645BlockSchema = z.strictObject({
  /** The block's DI, e.g. `0001FF00` (forward active energy, total and tariffs 1..4). */
  di: diText,
  /** The quantities the reply carries, in the standard's order (total first, then tariff 1..4). */
  quantities: z.array(z.string()).min(1),
});

export const dlt645ProfileSchema = z.strictObject({
  /** Profile name used in config (`profile: dlt645-single-phase`). */
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "lower-case letters, digits, '-' and '_'"),
  description: z.string().default(""),
  protocol: z.literal("dlt645"),
  quantities: z.record(z.string(), dlt645QuantitySchema),
  /** Block reads tried first; their quantities are read singly when the meter refuses the block. */
  blocks: z.array(dlt645BlockSchema).default([]),
  /**
   * The meter's clock as the quantity `meterClockMs`: its date (YYMMDDWW, 04000101) and time (hhmmss,
   * 04000102) DIs. Absent: the clock is not read.
   */
  clock: z.strictObject({ date: diText, time: diText }).optional(),
  /**
   * The supply relay: its state is bit `openBit` of the status word at `di` (04000503 bit 4, set =
   * relay open); it is switched with the 0x1C command. Absent: the meter has no relay.
   */
  relay: z
    .strictObject({
      state: z.strictObject({ di: diText, openBit: z.number().int().min(0).max(15).default(4) }),
    })
    .optional(),
});

export type Dlt645ProfileInput = z.input<typeof dlt645ProfileSchema>;
export type Dlt645Profile = z.output<typeof dlt645ProfileSchema>;
