/**
 * One simulator run: the shared simulated clock, the buses and their meters, the timeline and the event
 * log. Every change (from the scenario, the timeline, the control interface or a Modbus write) goes
 * through here, so each one is timed on the one clock and logged the same way.
 */
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import type { FaultSpec, PersistentFaultKind } from "../faults/fault-spec.ts";
import type { LoadSpec } from "../scenario/load-spec.ts";
import { EventLog, type ChangeSource, type SimEvent } from "./event-log.ts";
import { FaultControl, logEvent, type MeterRef } from "./fault-control.ts";
import { createLoadShape } from "./load-shape.ts";
import type { ActiveFault } from "./meter-faults.ts";
import { deriveSeed, mulberry32 } from "./prng.ts";
import { SimBus } from "./sim-bus.ts";
import type { AcceleratedClock } from "../../core/clock.ts";
import { ErrorCode } from "../../core/errors.ts";
import { SimError } from "./sim-error.ts";
import { SimMeter } from "./sim-meter.ts";
import { Timeline } from "./timeline.ts";
import type { DltHooks } from "../dlt645/dlt-commands.ts";
import { DltSimMeter, dltProfile } from "../dlt645/dlt-meter.ts";
import { DltSlave } from "../dlt645/dlt-slave.ts";
import { dltMeterConfig, type DltMeterConfig } from "../dlt645/meter-config.ts";

export interface SimulationOptions {
  clock: AcceleratedClock;
  /** Seed of every random stream of the run (any integer); default 1. */
  seed?: number;
  /** Minutes east of UTC for `daily` load hours, -720..840; default 0. */
  utcOffsetMinutes?: number;
  /** Entries kept per log (events, writes per bus); default 50000. */
  logCapacity?: number;
}

export interface MeterSetup {
  unit: number;
  profile: ResolvedProfile;
  /** Default a constant 2000 W. */
  load?: LoadSpec;
  importEnergyWh?: number;
  exportEnergyWh?: number;
  serialNumber?: number;
  relayClosed?: boolean;
}

/** A DL/T 645 meter: the common setup without a profile, plus its address and DL/T settings. */
export interface DltMeterSetup extends Omit<MeterSetup, "profile"> {
  dlt645: Partial<DltMeterConfig> & { address: string };
}

export type { MeterRef };

export class Simulation {
  readonly clock: AcceleratedClock;
  readonly seed: number;
  readonly utcOffsetMinutes: number;
  readonly buses = new Map<string, SimBus>();
  readonly events: EventLog;
  readonly timeline: Timeline;
  /** The DL/T 645 request handler of each DL/T bus, by bus name (servers hand it frames). */
  readonly dltSlaves = new Map<string, DltSlave>();
  private readonly faults: FaultControl;
  private nextWriteSeq = 1;

  constructor(private readonly options: SimulationOptions) {
    this.clock = options.clock;
    this.seed = options.seed ?? 1;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
    this.events = new EventLog(options.logCapacity);
    this.timeline = new Timeline(this.clock, (entry, error) =>
      process.emitWarning(`meter-sim: ${entry.label} failed: ${String(error)}`),
    );
    this.faults = new FaultControl(
      this.timeline,
      this.events,
      mulberry32(deriveSeed(this.seed, "simulation")),
      (ref, at) => this.setRelay(ref, false, "fault", at),
    );
  }

  addBus(name: string, protocol: "modbus" | "dlt645" = "modbus"): SimBus {
    if (this.buses.has(name)) throw new SimError(ErrorCode.ScenarioInvalid, `bus '${name}' is defined twice`);
    const bus = new SimBus(this.clock, name, this.options.logCapacity, () => this.nextWriteSeq++, protocol);
    if (protocol === "dlt645") this.dltSlaves.set(name, new DltSlave(bus, this.dltHooks(bus)));
    bus.beforeRequest = () => this.timeline.runDue();
    bus.onWrite = (entry, meter, relayBefore) => {
      if (entry.result === "applied" && meter.relayClosed !== relayBefore) {
        this.log("relay-changed", "modbus", { bus, meter }, { closed: meter.relayClosed });
      }
    };
    this.buses.set(name, bus);
    return bus;
  }

  addMeter(busName: string, setup: MeterSetup): SimMeter {
    const bus = this.buses.get(busName) ?? this.addBus(busName);
    const meter = new SimMeter(
      {
        unit: setup.unit,
        profile: setup.profile,
        load: this.loadShape(setup.load ?? { kind: "constant", powerW: 2000 }, busName, setup.unit),
        importEnergyWh: setup.importEnergyWh ?? 0,
        exportEnergyWh: setup.exportEnergyWh ?? 0,
        serialNumber: setup.serialNumber ?? 10_000_000 + setup.unit,
        relayClosed: setup.relayClosed ?? true,
        random: mulberry32(deriveSeed(this.seed, `${busName}/${setup.unit}/faults`)),
      },
      this.clock,
    );
    bus.add(meter);
    return meter;
  }

  /** Adds a DL/T 645 meter to a DL/T bus (made if missing); `unit` is its id in the control interface. */
  addDltMeter(busName: string, setup: DltMeterSetup): DltSimMeter {
    const bus = this.buses.get(busName) ?? this.addBus(busName, "dlt645");
    if (bus.protocol !== "dlt645")
      throw new SimError(ErrorCode.ScenarioInvalid, `bus '${busName}' speaks Modbus`);
    const config = dltMeterConfig(setup.dlt645, this.utcOffsetMinutes);
    if ([...bus.meters.values()].some((m) => m instanceof DltSimMeter && m.address === config.address)) {
      throw new SimError(
        ErrorCode.ScenarioInvalid,
        `address ${config.address} is already on bus '${busName}'`,
      );
    }
    const meter = new DltSimMeter(
      {
        unit: setup.unit,
        profile: dltProfile(config),
        load: this.loadShape(setup.load ?? { kind: "constant", powerW: 2000 }, busName, setup.unit),
        importEnergyWh: setup.importEnergyWh ?? 0,
        exportEnergyWh: setup.exportEnergyWh ?? 0,
        serialNumber: setup.serialNumber ?? 10_000_000 + setup.unit,
        relayClosed: setup.relayClosed ?? true,
        random: mulberry32(deriveSeed(this.seed, `${busName}/${setup.unit}/faults`)),
      },
      config,
      this.clock,
    );
    bus.add(meter);
    return meter;
  }

  /**
   * The customer holds the meter's button (> 3 s): after an allow-close (1B) the relay closes; otherwise
   * nothing moves. Returns whether the relay closed.
   */
  pressButton(ref: MeterRef, source: ChangeSource = "control"): boolean {
    const meter = ref.meter;
    const closes = meter instanceof DltSimMeter && meter.relayFlags.awaitingButton && !meter.relayClosed;
    this.log("button-pressed", source, ref, { closed: closes });
    if (closes && meter instanceof DltSimMeter) {
      meter.relayFlags.awaitingButton = false;
      if (!meter.relayStuck) this.setRelay(ref, true, source);
    }
    return closes && ref.meter.relayClosed;
  }

  private dltHooks(bus: SimBus): DltHooks {
    const ref = (meter: DltSimMeter): MeterRef => ({ bus, meter });
    return {
      setRelay: (meter, closed) => this.setRelay(ref(meter), closed, "dlt645"),
      schedule: (atMs, label, run) => this.timeline.add({ atMs, label, run: () => run() }),
      event: (kind, meter, detail) => this.log(kind, "dlt645", ref(meter), detail),
    };
  }

  /** Every meter, bus by bus, in unit order. */
  meters(): MeterRef[] {
    return [...this.buses.values()].flatMap((bus) =>
      [...bus.meters.values()].sort((a, b) => a.unit - b.unit).map((meter) => ({ bus, meter })),
    );
  }

  /** The meter at `unit` (on `busName`, needed only when several buses have that unit). */
  findMeter(unit: number, busName?: string): MeterRef {
    const buses = busName === undefined ? [...this.buses.values()] : [this.buses.get(busName)];
    if (busName !== undefined && buses[0] === undefined)
      throw new SimError(ErrorCode.NotFound, `no bus '${busName}'`);
    const found = buses.flatMap((bus) =>
      bus?.meters.has(unit) ? [{ bus, meter: bus.meters.get(unit)! }] : [],
    );
    if (found.length === 0) {
      throw new SimError(
        ErrorCode.NotFound,
        `no meter at unit ${unit}${busName === undefined ? "" : ` on bus '${busName}'`}`,
      );
    }
    if (found.length > 1) {
      throw new SimError(
        ErrorCode.AmbiguousUnit,
        `unit ${unit} is on buses ${found.map((f) => f.bus.name).join(", ")}: name the bus`,
      );
    }
    return found[0]!;
  }

  /** Injects a fault at `atMs` (default now); one-shot faults act at once and return undefined. */
  injectFault(
    ref: MeterRef,
    spec: FaultSpec,
    source: ChangeSource,
    atMs = this.clock.now(),
  ): ActiveFault | undefined {
    // A DL/T 645 meter counts each opening of its cover (appendix A, 03300D00).
    if (spec.kind === "tamper" && ref.meter instanceof DltSimMeter && !ref.meter.coverOpen) {
      ref.meter.counters.coverOpen++;
    }
    return this.faults.inject(ref, spec, source, atMs);
  }

  /** Clears one kind of fault (or all) at `atMs`; returns the kinds that were active. */
  clearFaults(
    ref: MeterRef,
    kind: PersistentFaultKind | undefined,
    source: ChangeSource,
    atMs = this.clock.now(),
  ): PersistentFaultKind[] {
    return this.faults.clear(ref, kind, source, atMs, "fault-cleared");
  }

  setRelay(ref: MeterRef, closed: boolean, source: ChangeSource, atMs = this.clock.now()): void {
    const before = ref.meter.relayClosed;
    ref.meter.setRelay(closed, atMs);
    if (before !== closed) this.log("relay-changed", source, ref, { closed }, atMs);
  }

  setLoad(ref: MeterRef, spec: LoadSpec, source: ChangeSource, atMs = this.clock.now()): void {
    ref.meter.setLoad(this.loadShape(spec, ref.bus.name, ref.meter.unit), atMs);
    this.log("load-changed", source, ref, { load: spec }, atMs);
  }

  /** Jumps simulated time forward (due timeline entries run on the way, each at its own time). */
  advance(ms: number, source: ChangeSource = "control"): void {
    this.clock.advance(ms);
    this.log("clock-advanced", source, undefined, { byMs: ms });
  }

  setSpeed(speed: number, source: ChangeSource = "control"): void {
    this.clock.setSpeed(speed);
    this.log("speed-changed", source, undefined, { speed });
  }

  start(): void {
    this.timeline.start();
  }

  stop(): void {
    this.timeline.stop();
  }

  private loadShape(spec: LoadSpec, busName: string, unit: number) {
    return createLoadShape(spec, {
      startMs: this.clock.startMs,
      utcOffsetMinutes: this.utcOffsetMinutes,
      seed: deriveSeed(this.seed, `${busName}/${unit}/load`),
    });
  }

  private log(
    kind: SimEvent["kind"],
    source: ChangeSource,
    ref: MeterRef | undefined,
    detail: Record<string, unknown>,
    atMs = this.clock.now(),
  ): void {
    logEvent(this.events, { kind, source, ref, detail, atMs });
  }
}
