/**
 * One simulated meter: it integrates energy from its load over simulated time and presents the values
 * through its profile's register map, encoded with the same codecs the gateway decodes with.
 */
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import type { QuantityName } from "../../protocols/profiles/quantities.ts";
import { encodeRegisters } from "../../protocols/modbus/registers.ts";
import type { SimClock } from "./sim-clock.ts";

export interface SimMeterOptions {
  unit: number;
  profile: ResolvedProfile;
  /** Active load in W drawn while the relay is closed; default 2000. */
  powerW?: number;
  /** Import energy at start, Wh; default 0. */
  importEnergyWh?: number;
  /** Serial number; default 10000000 + unit. */
  serialNumber?: number;
  /** Relay closed (supply on) at start; default true. */
  relayClosed?: boolean;
}

export interface RelayChange {
  atMs: number;
  closed: boolean;
}

export class SimMeter {
  readonly unit: number;
  readonly profile: ResolvedProfile;
  loadW: number;
  importEnergyWh: number;
  exportEnergyWh = 0;
  serialNumber: number;
  relayClosed: boolean;
  voltageV = 230;
  frequencyHz = 50;
  powerFactor = 0.95;
  private lastMs: number;

  constructor(
    options: SimMeterOptions,
    private readonly clock: SimClock,
  ) {
    this.unit = options.unit;
    this.profile = options.profile;
    this.loadW = options.powerW ?? 2000;
    this.importEnergyWh = options.importEnergyWh ?? 0;
    this.serialNumber = options.serialNumber ?? 10_000_000 + options.unit;
    this.relayClosed = options.relayClosed ?? true;
    this.lastMs = clock.now();
  }

  /** Active power now: the load while the relay is closed, nothing once it is open. */
  get powerW(): number {
    return this.relayClosed ? this.loadW : 0;
  }

  /** Integrates energy up to the simulated now. Called before every read and state change. */
  advance(): void {
    const now = this.clock.now();
    const elapsedMs = now - this.lastMs;
    if (elapsedMs > 0) this.importEnergyWh += (this.powerW * elapsedMs) / 3_600_000;
    this.lastMs = now;
  }

  setRelay(closed: boolean): void {
    this.advance();
    this.relayClosed = closed;
  }

  setLoad(powerW: number): void {
    this.advance();
    this.loadW = powerW;
  }

  /** The value of a quantity in its unit (V, A, W, Wh, ...), as a real meter would report it. */
  quantity(name: QuantityName): number {
    const power = this.powerW;
    const current = power === 0 ? 0 : power / (this.voltageV * this.powerFactor);
    const phases = this.profile.quantities.some((q) => q.name === "powerL1W") ? 3 : 1;
    switch (name) {
      case "voltageV":
      case "voltageL1V":
      case "voltageL2V":
      case "voltageL3V":
        return this.voltageV;
      case "currentA":
        return current;
      case "currentL1A":
      case "currentL2A":
      case "currentL3A":
        return current / phases;
      case "powerW":
        return power;
      case "powerL1W":
      case "powerL2W":
      case "powerL3W":
        return power / phases;
      case "powerFactor":
        return power === 0 ? 1 : this.powerFactor;
      case "frequencyHz":
        return this.frequencyHz;
      case "importEnergyWh":
        return this.importEnergyWh;
      case "exportEnergyWh":
        return this.exportEnergyWh;
      case "totalEnergyWh":
        return this.importEnergyWh + this.exportEnergyWh;
      case "serialNumber":
        return this.serialNumber;
    }
  }

  /**
   * Registers [address, address+count) of a read function, or `undefined` when any address is outside
   * the profile's register map (the slave then answers exception 02). Unmapped registers inside a read
   * block (the gaps a profile reads over) read as zero.
   */
  readRegisters(fc: 3 | 4, address: number, count: number): number[] | undefined {
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

  /** A relay write through the profile's command; `false` when the address is not the relay's. */
  writeRelay(fc: 5 | 6, address: number, raw: number): "ok" | "bad-address" | "bad-value" {
    const command = this.profile.relay?.command;
    if (command === undefined || command.fc !== fc || command.address !== address) return "bad-address";
    if (raw !== command.on && raw !== command.off) return "bad-value";
    this.setRelay(raw === command.on);
    return "ok";
  }
}
