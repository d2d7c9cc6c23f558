/**
 * Scenario files: buses, their meters and a timeline of scripted events and faults, validated once at
 * start by one schema whose types are inferred (STYLE.md principle 9). Every problem names its path.
 */
import * as z from "zod";
import { faultSpecSchema, isPersistentKind } from "../faults/fault-spec.ts";
import { durationSchema, unitListSchema } from "./duration-schema.ts";
import { endpointSchema } from "./endpoint-schema.ts";
import { loadSchema } from "./load-spec.ts";
import { checkDltBus, dltMeterSchema } from "./dlt645-schema.ts";

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '.', '-' and '_'");

export const meterGroupSchema = z.strictObject({
  /** Unit ids: "1-10,12" or one number. */
  units: unitListSchema,
  /** A shipped profile id (sdm120, sdm630, dtsu666, generic-prepaid) or one from `profilesDir`. */
  profile: z.string().min(1),
  /** Import energy at start, Wh, 0..1e12; default 0. */
  energyWh: z.number().min(0).max(1e12).default(0),
  /** Export energy at start, Wh; default 0. */
  exportEnergyWh: z.number().min(0).max(1e12).default(0),
  /** Serial number of the first unit; the others count up from it. Default 10000000 + unit. */
  serialNumber: z.number().int().min(1).max(0xffffffff).optional(),
  /** Load; a number is constant watts. Default 2000 W. */
  load: loadSchema.default({ kind: "constant", powerW: 2000 }),
  relay: z.enum(["closed", "open"]).default("closed"),
  /** Faults active from the start (one-shot faults happen at the start). */
  faults: z.array(faultSpecSchema).default([]),
  /** DL/T 645 settings, only on a `protocol: dlt645` bus (see dlt645-schema.ts). */
  dlt645: dltMeterSchema.optional(),
});

export const busSchema = z.strictObject({
  name,
  /** `modbus` (default) or `dlt645`: what the bus's meters speak. */
  protocol: z.enum(["modbus", "dlt645"]).default("modbus"),
  endpoint: endpointSchema,
  meters: z.array(meterGroupSchema).min(1),
  /** Prepayment terminals on a Modbus bus (docs/simulator.md, "Terminals"). */
  terminals: z
    .array(
      z.strictObject({
        /** Modbus unit, 1..247, not a meter's. */
        unit: z.number().int().min(1).max(247),
        /** A shipped terminal profile; default generic-terminal. */
        profile: z.string().min(1).default("generic-terminal"),
      }),
    )
    .default([]),
});

export const timelineEntrySchema = z
  .strictObject({
    /** Simulated time since the start: "90s", "10m", "2h", "1d2h". */
    at: durationSchema,
    /** Which bus; needed only when the scenario has several. */
    bus: name.optional(),
    /** Unit ids on that bus, or "all". */
    units: z.union([z.literal("all"), unitListSchema]).optional(),
    fault: faultSpecSchema.optional(),
    /** A fault kind to clear, or "all". */
    clear: z.string().optional(),
    load: loadSchema.optional(),
    relay: z.enum(["closed", "open"]).optional(),
    /** Changes the time acceleration for the whole run (no units). */
    speed: z.number().min(0.001).max(1_000_000).optional(),
    /** Free text for people reading the file and the event log. */
    note: z.string().optional(),
  })
  .superRefine((entry, ctx) => {
    const actions = (["fault", "clear", "load", "relay", "speed"] as const).filter(
      (key) => entry[key] !== undefined,
    );
    if (actions.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `needs exactly one of fault, clear, load, relay, speed (found ${actions.length === 0 ? "none" : actions.join(", ")})`,
      });
      return;
    }
    if (actions[0] === "speed" && entry.units !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["units"],
        message: "speed applies to the whole run, not to units",
      });
    }
    if (actions[0] !== "speed" && entry.units === undefined) {
      ctx.addIssue({ code: "custom", path: ["units"], message: `${actions[0]} needs units` });
    }
    if (entry.clear !== undefined && entry.clear !== "all" && !isPersistentKind(entry.clear)) {
      ctx.addIssue({
        code: "custom",
        path: ["clear"],
        message: `'${entry.clear}' is not a fault that stays active (nothing to clear)`,
      });
    }
  });

const scenarioObject = z.strictObject({
  description: z.string().optional(),
  clock: z
    .strictObject({
      /** Simulated start, ISO 8601 with an offset or Z; default the real now. */
      start: z.iso.datetime({ offset: true }).optional(),
      /** Time acceleration, 0.001..1000000; default 1. */
      speed: z.number().min(0.001).max(1_000_000).default(1),
      /** Seed of every random stream (load walks, flaky faults, noise); default 1. */
      seed: z.number().int().default(1),
      /** Minutes east of UTC that `daily` load hours refer to, -720..840; default 0. */
      utcOffsetMinutes: z.number().int().min(-720).max(840).default(0),
    })
    .prefault({}),
  /** HTTP control interface on 127.0.0.1 at this port (0: a free one). */
  control: z.strictObject({ port: z.number().int().min(0).max(65_535) }).optional(),
  /** Directory of extra profiles, relative to the scenario file. */
  profilesDir: z.string().optional(),
  buses: z.array(busSchema).min(1),
  timeline: z.array(timelineEntrySchema).default([]),
});

export const scenarioSchema = scenarioObject.superRefine(checkReferences);

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type TimelineEntrySpec = Scenario["timeline"][number];

type ScenarioObject = z.output<typeof scenarioObject>;

/** Cross-references the schema of each part cannot see: names, units, endpoints. */
function checkReferences(scenario: ScenarioObject, ctx: z.RefinementCtx): void {
  const unitsByBus = checkBuses(scenario, ctx);
  checkTimelineTargets(scenario, unitsByBus, ctx);
}

/** Bus names, units within a bus and endpoints must be unique; returns the units of each bus. */
function checkBuses(scenario: ScenarioObject, ctx: z.RefinementCtx): Map<string, Set<number>> {
  const unitsByBus = new Map<string, Set<number>>();
  const endpoints = new Map<string, number>();
  scenario.buses.forEach((bus, b) => {
    if (unitsByBus.has(bus.name))
      ctx.addIssue({
        code: "custom",
        path: ["buses", b, "name"],
        message: `bus '${bus.name}' is defined twice`,
      });
    unitsByBus.set(bus.name, checkUnits(bus, b, ctx));
    checkDltBus(bus, b, ctx);
    const key = endpointKey(bus.endpoint);
    if (key !== undefined && endpoints.has(key)) {
      ctx.addIssue({
        code: "custom",
        path: ["buses", b, "endpoint"],
        message: `${key} is already used by buses[${endpoints.get(key)}]`,
      });
    }
    if (key !== undefined) endpoints.set(key, b);
  });
  return unitsByBus;
}

type BusSpec = ScenarioObject["buses"][number];

/** Flags a unit that appears twice on one bus; returns the bus's units. */
function checkUnits(bus: BusSpec, b: number, ctx: z.RefinementCtx): Set<number> {
  const units = new Set<number>();
  bus.meters.forEach((group, g) => {
    for (const unit of group.units) {
      if (units.has(unit)) {
        ctx.addIssue({
          code: "custom",
          path: ["buses", b, "meters", g, "units"],
          message: `unit ${unit} is already on bus '${bus.name}'`,
        });
      }
      units.add(unit);
    }
  });
  return units;
}

/** What two buses must not share; undefined when the OS picks (port 0, unnamed pty). */
function endpointKey(endpoint: BusSpec["endpoint"]): string | undefined {
  return endpoint.kind === "tcp" || endpoint.kind === "rtu-over-tcp"
    ? endpoint.port === 0
      ? undefined
      : `tcp ${endpoint.host}:${endpoint.port}`
    : endpoint.kind === "serial"
      ? `serial ${endpoint.device}`
      : endpoint.link === undefined
        ? undefined
        : `pty ${endpoint.link}`;
}

/** Each timeline entry that names units must name a bus (unless there is one) that has them. */
function checkTimelineTargets(
  scenario: ScenarioObject,
  unitsByBus: Map<string, Set<number>>,
  ctx: z.RefinementCtx,
): void {
  scenario.timeline.forEach((entry, t) => {
    if (entry.units === undefined) return;
    const busName = entry.bus ?? (scenario.buses.length === 1 ? scenario.buses[0]!.name : undefined);
    if (busName === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["timeline", t, "bus"],
        message: "name the bus: the scenario has several",
      });
      return;
    }
    const units = unitsByBus.get(busName);
    if (units === undefined) {
      ctx.addIssue({ code: "custom", path: ["timeline", t, "bus"], message: `no bus '${busName}'` });
      return;
    }
    if (entry.units === "all") return;
    const missing = entry.units.filter((unit) => !units.has(unit));
    if (missing.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["timeline", t, "units"],
        message: `no meter at unit ${missing.join(", ")} on bus '${busName}'`,
      });
    }
  });
}
