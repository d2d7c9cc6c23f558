/**
 * One simulated meter: it integrates energy from its load shape over simulated time and presents the
 * values through its profile's register map, encoded with the same codecs the gateway decodes with.
 * State faults (reverse energy, tamper, stuck relay, missing registers) change what it does; reply faults are decided here
 * but carried out by the bus and the reply path.
 */
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import type { QuantityName } from "../../protocols/profiles/quantities.ts";
import { encodeRegisters } from "../../protocols/modbus/registers.ts";
import type { PersistentFaultSpec } from "../faults/fault-spec.ts";
import { createLoadShape, type LoadShape } from "./load-shape.ts";
import { MeterFaults, type ActiveFault } from "./meter-faults.ts";
import { meterQuantity } from "./meter-quantities.ts";
import { mulberry32, type Random } from "./prng.ts";
import type { AcceleratedClock } from "../../core/clock.ts";

export interface SimMeterOptions {
  /** Modbus unit id, 1..247. */
  unit: number;
  profile: ResolvedProfile;
  /** Constant load in W drawn while the relay is closed, when no `load` is given; default 2000. */
  powerW?: number;
  /** Load over simulated time; overrides `powerW`. */
  load?: LoadShape;
  /** Import energy at start, Wh; default 0. */
  importEnergyWh?: number;
  /** Export energy at start, Wh; default 0. */
  exportEnergyWh?: number;
  /** Serial number, 1..4294967295; default 10000000 + unit. */
  serialNumber?: number;
  /** Relay closed (supply on) at start; default true. */
  relayClosed?: boolean;
  /** This meter's seeded stream for flaky faults and line noise; default seeded from the unit id. */
  random?: Random;
}

export type RelayWriteOutcome = "ok" | "ignored" | "bad-address" | "bad-value";

export class SimMeter {
  readonly unit: number;
  readonly profile: ResolvedProfile;
  readonly random: Random;
  readonly faults: MeterFaults;
  load: LoadShape;
  importEnergyWh: number;
  exportEnergyWh: number;
  serialNumber: number;
  relayClosed: boolean;
  /** The alarm output (buzzer), where the profile names one: sounding after its `on` write. */
  alarmOn = false;
  voltageV = 230;
  frequencyHz = 50;
  powerFactor = 0.95;
  private lastMs: number;

  constructor(
    options: SimMeterOptions,
    private readonly clock: AcceleratedClock,
  ) {
    this.unit = options.unit;
    this.profile = options.profile;
    this.random = options.random ?? mulberry32(options.unit);
    this.faults = new MeterFaults(this.random);
    this.load =
      options.load ??
      createLoadShape(
        { kind: "constant", powerW: options.powerW ?? 2000 },
        { startMs: clock.now(), utcOffsetMinutes: 0, seed: 0 },
      );
    this.importEnergyWh = options.importEnergyWh ?? 0;
    this.exportEnergyWh = options.exportEnergyWh ?? 0;
    this.serialNumber = options.serialNumber ?? 10_000_000 + options.unit;
    this.relayClosed = options.relayClosed ?? true;
    this.lastMs = clock.now();
  }

  /** Power the load asks for now, W, whether or not the relay lets it through. */
  get loadW(): number {
    return this.load.powerAt(this.clock.now());
  }

  /** Active power now, W: 0 with the relay open, negative while exporting (reverse-energy `export`). */
  get powerW(): number {
    if (!this.relayClosed) return 0;
    const power = this.loadW;
    return this.reverseMode === "export" ? -power : power;
  }

  get reverseMode(): "export" | "decreasing" | undefined {
    const fault = this.faults.get("reverse-energy");
    return fault?.spec.kind === "reverse-energy" ? fault.spec.mode : undefined;
  }

  /** Terminal cover open (the tamper fault). */
  get coverOpen(): boolean {
    return this.faults.has("tamper");
  }

  get relayStuck(): boolean {
    return this.faults.has("relay-stuck");
  }

  /**
   * Integrates energy up to `toMs` (default the simulated now). Called before every read and state
   * change, with the change's own time, so energy does not depend on when the meter was read.
   */
  advance(toMs = this.clock.now()): void {
    if (toMs <= this.lastMs) return;
    const energy = this.relayClosed ? this.load.energyWh(this.lastMs, toMs) : 0;
    switch (this.reverseMode) {
      case "export":
        this.exportEnergyWh += energy;
        break;
      case "decreasing":
        // A meter counting down (wrong wiring or tampering): the register never goes below zero.
        this.importEnergyWh = Math.max(0, this.importEnergyWh - energy);
        break;
      case undefined:
        this.importEnergyWh += energy;
        break;
    }
    this.lastMs = toMs;
  }

  setRelay(closed: boolean, atMs?: number): void {
    this.advance(atMs);
    this.relayClosed = closed;
  }

  /** Sets a constant load (W) or a load shape. */
  setLoad(load: number | LoadShape, atMs?: number): void {
    this.advance(atMs);
    this.load =
      typeof load === "number"
        ? createLoadShape(
            { kind: "constant", powerW: load },
            { startMs: this.clock.now(), utcOffsetMinutes: 0, seed: 0 },
          )
        : load;
  }

  setFault(spec: PersistentFaultSpec, atMs?: number): ActiveFault {
    this.advance(atMs);
    return this.faults.set(spec, atMs ?? this.clock.now());
  }

  clearFaults(kind?: PersistentFaultSpec["kind"], atMs?: number): ActiveFault[] {
    this.advance(atMs);
    return this.faults.clear(kind);
  }

  /** Both energy registers back to zero (a reset by a technician or a firmware fault). */
  resetEnergy(atMs?: number): void {
    this.advance(atMs);
    this.importEnergyWh = 0;
    this.exportEnergyWh = 0;
  }

  /** Another meter now answers at this unit id. */
  replace(serialNumber: number, energyWh: number, atMs?: number): void {
    this.advance(atMs);
    this.serialNumber = serialNumber;
    this.importEnergyWh = energyWh;
    this.exportEnergyWh = 0;
  }

  /**
   * The exception code a read of [address, address+count) with function `fc` gets from the
   * `missing-registers` fault, or `undefined` when the read does not touch the missing range.
   */
  missingRegisters(fc: number, address: number, count: number): number | undefined {
    const spec = this.faults.get("missing-registers")?.spec;
    if (spec?.kind !== "missing-registers" || spec.fc !== fc) return undefined;
    const overlaps = address < spec.address + spec.count && spec.address < address + count;
    return overlaps ? spec.code : undefined;
  }

  /** The value of a quantity in its unit (V, A, W, Wh, ...), as a real meter would report it. */
  quantity(name: QuantityName): number {
    return meterQuantity(name, {
      powerW: this.powerW,
      voltageV: this.voltageV,
      powerFactor: this.powerFactor,
      frequencyHz: this.frequencyHz,
      importEnergyWh: this.importEnergyWh,
      exportEnergyWh: this.exportEnergyWh,
      serialNumber: this.serialNumber,
      phases: this.profile.quantities.some((q) => q.name === "powerL1W") ? 3 : 1,
    });
  }

  /** Every quantity of the profile, now. */
  quantities(): Partial<Record<QuantityName, number>> {
    this.advance();
    return Object.fromEntries(this.profile.quantities.map((q) => [q.name, this.quantity(q.name)]));
  }

  /**
   * Registers [address, address+count) of a read function, or `undefined` when any address is outside
   * the profile's register map (the slave then answers exception 02). Unmapped registers inside a read
   * block (the gaps a profile reads over) read as zero.
   */
  readRegisters(fc: 3 | 4, address: number, count: number): number[] | undefined {
    const state = this.profile.relay?.state;
    if (state !== undefined && state.fc === fc && state.address === address && count === 1) {
      // A relay whose state is a register (some breakers): onValue means supply on.
      return [this.relayClosed ? state.onValue : state.onValue === 0 ? 1 : 0];
    }
    const end = address + count;
    for (let a = address; a < end; a++) {
      if (!this.profile.blocks.some((b) => b.fc === fc && a >= b.address && a < b.address + b.count))
        return undefined;
    }
    this.advance();
    const out = new Array<number>(count).fill(0);
    for (const q of this.profile.quantities) {
      if (q.fc !== fc || q.address + q.count <= address || q.address >= end) continue;
      const words = encodeRegisters(this.quantity(q.name) / q.scale, q);
      words.forEach((word, i) => {
        const at = q.address + i - address;
        if (at >= 0 && at < count) out[at] = word;
      });
    }
    return out;
  }

  /** Coils / discrete inputs: only the relay state, if the profile has one. */
  readBits(fc: 1 | 2, address: number, count: number): boolean[] | undefined {
    const state = this.profile.relay?.state;
    if (state === undefined || state.fc !== fc || address !== state.address || count !== 1) return undefined;
    return [this.relayClosed === (state.onValue === 1)];
  }

  /**
   * A relay write through the profile's command. `ignored`: a stuck relay acknowledged the write but did
   * not move.
   */
  writeRelay(fc: 5 | 6, address: number, raw: number): RelayWriteOutcome {
    const alarm = this.profile.alarm;
    if (alarm !== undefined && alarm.fc === fc && alarm.address === address) {
      if (raw !== alarm.on && raw !== alarm.off) return "bad-value";
      this.alarmOn = raw === alarm.on;
      return "ok";
    }
    const command = this.profile.relay?.command;
    if (command === undefined || command.fc !== fc || command.address !== address) return "bad-address";
    if (raw !== command.on && raw !== command.off) return "bad-value";
    if (this.relayStuck) return "ignored";
    this.setRelay(raw === command.on);
    return "ok";
  }
}
