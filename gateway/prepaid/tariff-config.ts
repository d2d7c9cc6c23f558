/**
 * Tariff configuration: the zod schema operators write against, and its compilation into the integer form
 * the charging code uses. Shapes (all objects strict: unknown keys are refused):
 *
 * flat:   `{ id, kind: "flat", price: "0.5283" }`
 * tou:    `{ id, kind: "tou", prices: { sharp?, peak?, flat?, valley? }, weekday: [{ period, from, to }],
 *           weekend?: [...], weekendDays?: ["sat", "sun"], holidays?: ["2026-10-01"], defaultPeriod?: "flat" }`
 * tiered: `{ id, kind: "tiered", price: "0.4883" | tou: { prices, weekday, ... }, settlement: "monthly" | "yearly",
 *           tiers: [{ fromKwh: "0", increment: "0" }, { fromKwh: "2880", increment: "0.05" }, ...] }`
 *
 * TOU windows are local daily times (gateway time zone), [from, to), crossing midnight when to <= from;
 * minutes no window covers fall in `defaultPeriod`. The schedule used on a day is chosen by that day's local
 * date: `weekend` (default: same as `weekday`) on `weekendDays` and on `holidays`. Tiered prices are the base
 * price (flat or TOU) plus the increment of the tier the settlement period's energy has reached
 * (DOMAIN.md section 2: up to 6 thresholds, so up to 7 tiers; the first starts at 0).
 */
import * as z from "zod";
import { KWH_DECIMALS, parseKwhToWh, parsePriceE4, tryParseDecimal } from "./money.ts";
import { idSchema, kwhSchema, priceSchema } from "./money-schema.ts";
import {
  coveredMinutes,
  hhmmEndSchema,
  hhmmSchema,
  isoDateSchema,
  parseHhmm,
  toMinuteWindow,
  weekdayNameSchema,
  weekdayNumbers,
  windowEdges,
  windowsOverlap,
  type MinuteWindow,
} from "./windows.ts";

/** TOU periods of State Grid meters: sharp / peak / flat / valley (尖/峰/平/谷). */
export const TOU_PERIODS = ["sharp", "peak", "flat", "valley"] as const;
/** A TOU period name. */
export type TouPeriod = (typeof TOU_PERIODS)[number];
/** A TOU period name in config. */
export const touPeriodSchema = z.enum(TOU_PERIODS);

/** Most thresholds a tiered tariff may have (DOMAIN.md section 2), so at most 7 tiers. */
export const MAX_TIER_THRESHOLDS = 6;

const touWindowSchema = z
  .strictObject({ period: touPeriodSchema, from: hhmmSchema, to: hhmmEndSchema })
  .refine((w) => parseHhmm(w.from) !== parseHhmm(w.to, true), {
    error: "from and to must differ",
    path: ["to"],
  });

const touScheduleShape = {
  prices: z.strictObject({
    sharp: priceSchema.optional(),
    peak: priceSchema.optional(),
    flat: priceSchema.optional(),
    valley: priceSchema.optional(),
  }),
  weekday: z.array(touWindowSchema).max(24),
  weekend: z.array(touWindowSchema).max(24).optional(),
  weekendDays: z.array(weekdayNameSchema).max(7).default(["sat", "sun"]),
  holidays: z.array(isoDateSchema).max(1000).default([]),
  defaultPeriod: touPeriodSchema.default("flat"),
};

type TouScheduleConfig = z.output<z.ZodObject<typeof touScheduleShape>>;

function checkTouSchedule(schedule: TouScheduleConfig, ctx: z.RefinementCtx): void {
  for (const key of ["weekday", "weekend"] as const) {
    const windows = schedule[key];
    if (windows === undefined) continue;
    // Refinements run even when a field failed, so malformed windows are skipped here (already reported).
    const minuteWindows = windows.flatMap((w) => {
      const startMin = parseHhmm(w.from);
      const endMin = parseHhmm(w.to, true);
      return startMin === undefined || endMin === undefined ? [] : [{ startMin, endMin }];
    });
    if (windowsOverlap(minuteWindows)) {
      ctx.addIssue({ code: "custom", message: "TOU windows overlap", path: [key] });
    }
    const used = new Set(windows.map((w) => w.period));
    if (coveredMinutes(minuteWindows) < 1440) used.add(schedule.defaultPeriod);
    for (const period of used) {
      if (schedule.prices[period] === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `period "${period}" is used but has no price`,
          path: ["prices", period],
        });
      }
    }
  }
}

/** A TOU schedule (prices and daily windows), used by `tou` tariffs and as the base of `tiered` ones. */
export const touScheduleSchema = z.strictObject(touScheduleShape).superRefine(checkTouSchedule);

const tierSchema = z
  .strictObject({
    fromKwh: kwhSchema.optional(),
    fromWh: z.int().min(0).optional(),
    increment: priceSchema,
  })
  .refine((t) => (t.fromKwh === undefined) !== (t.fromWh === undefined), {
    error: "give exactly one of fromKwh or fromWh",
  });

const flatTariffSchema = z.strictObject({ id: idSchema, kind: z.literal("flat"), price: priceSchema });

const touTariffSchema = z
  .strictObject({ id: idSchema, kind: z.literal("tou"), ...touScheduleShape })
  .superRefine(checkTouSchedule);

const tieredTariffSchema = z
  .strictObject({
    id: idSchema,
    kind: z.literal("tiered"),
    price: priceSchema.optional(),
    tou: touScheduleSchema.optional(),
    settlement: z.enum(["monthly", "yearly"]),
    tiers: z
      .array(tierSchema)
      .min(1)
      .max(MAX_TIER_THRESHOLDS + 1),
  })
  .superRefine((tariff, ctx) => {
    if ((tariff.price === undefined) === (tariff.tou === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "give exactly one base: price (flat) or tou",
        path: ["price"],
      });
    }
    const starts = tariff.tiers.map((t) => t.fromWh ?? safeKwhToWh(t.fromKwh));
    if (starts[0] !== 0)
      ctx.addIssue({ code: "custom", message: "the first tier must start at 0", path: ["tiers", 0] });
    for (let i = 1; i < starts.length; i++) {
      if (!((starts[i] ?? 0) > (starts[i - 1] ?? 0))) {
        ctx.addIssue({ code: "custom", message: "tier thresholds must increase", path: ["tiers", i] });
      }
    }
  });

/** One tariff of the config file; discriminated by `kind`. */
export const tariffConfigSchema = z.discriminatedUnion("kind", [
  flatTariffSchema,
  touTariffSchema,
  tieredTariffSchema,
]);
/** A validated tariff config (prices still as strings); compile with {@link compileTariff}. */
export type TariffConfig = z.output<typeof tariffConfigSchema>;

/** The config file's tariff list: ids must be unique. */
export const tariffListSchema = z.array(tariffConfigSchema).superRefine((tariffs, ctx) => {
  const seen = new Set<string>();
  tariffs.forEach((tariff, index) => {
    if (seen.has(tariff.id))
      ctx.addIssue({ code: "custom", message: `duplicate tariff id "${tariff.id}"`, path: [index, "id"] });
    seen.add(tariff.id);
  });
});

/** For refinements, which run even when a field failed: an unparsable value reads as NaN (fails every check). */
function safeKwhToWh(text: string | undefined): number {
  const result = tryParseDecimal(text ?? "0", KWH_DECIMALS);
  return result.ok ? result.value : Number.NaN;
}

function tierStartWh(tier: { fromKwh?: string | undefined; fromWh?: number | undefined }): number {
  return tier.fromWh ?? parseKwhToWh(tier.fromKwh ?? "0");
}

/** A daily TOU window, compiled. */
export interface TouWindow extends MinuteWindow {
  readonly period: TouPeriod;
}

/** A TOU schedule in integer form. */
export interface TouSchedule {
  /** 1e-4 yuan/kWh per period; every period the schedule can produce has one (checked by the schema). */
  readonly pricesE4: Readonly<Partial<Record<TouPeriod, number>>>;
  readonly weekday: readonly TouWindow[];
  readonly weekend: readonly TouWindow[];
  /** Date.getUTCDay numbers (0 = Sunday) that use the weekend schedule. */
  readonly weekendDays: ReadonlySet<number>;
  /** Local dates "YYYY-MM-DD" that use the weekend schedule. */
  readonly holidays: ReadonlySet<string>;
  readonly defaultPeriod: TouPeriod;
  /** Every window edge, minutes after local midnight: where the period can change. */
  readonly boundaryMinutes: readonly number[];
}

/** The price source under the tier increments. */
export type TariffBase =
  | { readonly kind: "flat"; readonly priceE4: number }
  | { readonly kind: "tou"; readonly schedule: TouSchedule };

/** A tier: applies once the settlement period's energy reaches `fromWh`. */
export interface Tier {
  readonly fromWh: number;
  /** Added to the base price, 1e-4 yuan/kWh. */
  readonly incrementE4: number;
}

/** A compiled tariff: integer prices and minute windows, ready for {@link chargeEnergy} in tariff.ts. */
export type Tariff =
  | { readonly kind: "flat"; readonly id: string; readonly priceE4: number }
  | { readonly kind: "tou"; readonly id: string; readonly schedule: TouSchedule }
  | {
      readonly kind: "tiered";
      readonly id: string;
      readonly base: TariffBase;
      readonly settlement: "monthly" | "yearly";
      /** Ascending; the first starts at 0. */
      readonly tiers: readonly Tier[];
    };

/** Compiles a validated tariff config (output of {@link tariffConfigSchema}). */
export function compileTariff(config: TariffConfig): Tariff {
  switch (config.kind) {
    case "flat":
      return { kind: "flat", id: config.id, priceE4: parsePriceE4(config.price) };
    case "tou":
      return { kind: "tou", id: config.id, schedule: compileSchedule(config) };
    case "tiered":
      return {
        kind: "tiered",
        id: config.id,
        base:
          config.tou !== undefined
            ? { kind: "tou", schedule: compileSchedule(config.tou) }
            : { kind: "flat", priceE4: parsePriceE4(config.price ?? "0") },
        settlement: config.settlement,
        tiers: config.tiers.map((t) => ({ fromWh: tierStartWh(t), incrementE4: parsePriceE4(t.increment) })),
      };
  }
}

function compileSchedule(config: TouScheduleConfig): TouSchedule {
  const windows = (list: TouScheduleConfig["weekday"]): TouWindow[] =>
    list.map((w) => ({ ...toMinuteWindow(w.from, w.to), period: w.period }));
  const weekday = windows(config.weekday);
  const weekend = config.weekend === undefined ? weekday : windows(config.weekend);
  const pricesE4: Partial<Record<TouPeriod, number>> = {};
  for (const period of TOU_PERIODS) {
    const price = config.prices[period];
    if (price !== undefined) pricesE4[period] = parsePriceE4(price);
  }
  return {
    pricesE4,
    weekday,
    weekend,
    weekendDays: weekdayNumbers(config.weekendDays),
    holidays: new Set(config.holidays),
    defaultPeriod: config.defaultPeriod,
    boundaryMinutes: windowEdges([...weekday, ...weekend]),
  };
}
