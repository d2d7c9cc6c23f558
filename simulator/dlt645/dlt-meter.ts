/**
 * A simulated DL/T 645 meter: a SimMeter (load, energy, relay, faults: all shared with Modbus meters)
 * plus what DL/T 645 meters keep: energy per tariff, daily freezes at local midnight, a clock of its own
 * that drifts and accepts broadcast time, the cost-control relay flags of status word 3 and event counters.
 */
import type { AcceleratedClock } from "../../core/clock.ts";
import type { QuantityName } from "../../protocols/profiles/quantities.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";
import { meterQuantity } from "../core/meter-quantities.ts";
import { SimMeter, type SimMeterOptions } from "../core/sim-meter.ts";
import type { DltMeterConfig } from "./meter-config.ts";

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
/** Daily freezes a meter keeps (DL/T 645-2007 appendix A: 上1..上62次日冻结). */
export const keptFreezes = 62;

/** One daily freeze: meter-local midnight and the energy registers then, Wh ([total, t1, t2, t3, t4]). */
export interface DailyFreeze {
  readonly atMs: number;
  readonly forwardWh: readonly number[];
  readonly reverseWh: readonly number[];
}

/** Event counters a meter keeps (appendix A, 0330xxxx / 0335xxxx / 0311xxxx). */
export interface DltCounters {
  coverOpen: number;
  terminalCoverOpen: number;
  magnetic: number;
  powerDown: number;
}

/** Relay flags beyond the relay itself (status word 3, DOMAIN.md section 5). */
export interface DltRelayFlags {
  /** A trip (1A/1D/1E) is in force: bit 6. */
  openCommanded: boolean;
  /** Allow-close (1B) received: the relay closes when the button is held. */
  awaitingButton: boolean;
  alarmOn: boolean;
  keepPower: boolean;
}

/** A long read being served in parts: the rest, and the next follow-up sequence number expected. */
export interface PendingRead {
  readonly di: number;
  readonly chunks: Uint8Array[];
  nextSequence: number;
  /** The last follow-up answered, sent again when the master repeats its sequence (a lost reply). */
  last?: { readonly sequence: number; readonly chunk: Uint8Array; readonly more: boolean };
}

/** Synthetic profile: DL/T 645 meters have no register map; their DIs live in read-data.ts. */
export function dltProfile(config: DltMeterConfig): ResolvedProfile {
  return {
    id: `dlt645-${config.model}`,
    description: `DL/T 645-2007 ${config.model} meter`,
    protocol: "dlt645",
    source: "builtin",
    quantities: [],
    blocks: [],
  };
}

export class DltSimMeter extends SimMeter {
  readonly forwardTariffWh = [0, 0, 0, 0];
  readonly reverseTariffWh = [0, 0, 0, 0];
  readonly freezes: DailyFreeze[] = [];
  readonly counters: DltCounters = { coverOpen: 0, terminalCoverOpen: 0, magnetic: 0, powerDown: 0 };
  readonly relayFlags: DltRelayFlags = {
    openCommanded: false,
    awaitingButton: false,
    alarmOn: false,
    keepPower: false,
  };
  /** Values written with 0x14, by DI (unmasked payload bytes), read back as written. */
  readonly written = new Map<number, Uint8Array>();
  pendingRead: PendingRead | undefined;
  /** Simulated epoch ms of the last accepted broadcast time (the once-a-day rule). */
  lastTimeSyncMs: number | undefined;
  private clockBaseMs: number;
  private clockOffsetMs: number;
  private tariffFromMs: number;

  constructor(
    options: SimMeterOptions,
    readonly config: DltMeterConfig,
    private readonly simClock: AcceleratedClock,
  ) {
    super(options, simClock);
    this.clockBaseMs = simClock.now();
    this.clockOffsetMs = config.clockOffsetMs;
    this.tariffFromMs = simClock.now();
    // Energy at start counts as flat-rate (tariff 3) energy: its history is unknown.
    this.forwardTariffWh[2] = this.importEnergyWh;
    this.reverseTariffWh[2] = this.exportEnergyWh;
  }

  /** The `delimiter-data` fault: values whose masked bytes contain 68 and 16. */
  get delimiterData(): boolean {
    return this.faults.has("delimiter-data");
  }

  get address(): string {
    return this.config.address;
  }

  private get offsetMs(): number {
    return this.config.utcOffsetMinutes * 60_000;
  }

  /** Splits the integration at local hour boundaries (tariff changes) and freezes at local midnight. */
  override advance(toMs = this.simClock.now()): void {
    while (this.tariffFromMs < toMs) {
      const localFrom = this.tariffFromMs + this.offsetMs;
      const nextHour = (Math.floor(localFrom / hourMs) + 1) * hourMs - this.offsetMs;
      const end = Math.min(toMs, nextHour);
      const tariff = (this.config.tariffHours[new Date(localFrom).getUTCHours()] ?? 3) - 1;
      const [importBefore, exportBefore] = [this.importEnergyWh, this.exportEnergyWh];
      super.advance(end);
      this.forwardTariffWh[tariff]! += Math.max(0, this.importEnergyWh - importBefore);
      this.reverseTariffWh[tariff]! += this.exportEnergyWh - exportBefore;
      this.tariffFromMs = end;
      if (end === nextHour && (end + this.offsetMs) % dayMs === 0) this.freeze(end);
    }
  }

  private freeze(atMs: number): void {
    this.freezes.unshift({
      atMs,
      forwardWh: [this.importEnergyWh, ...this.forwardTariffWh],
      reverseWh: [this.exportEnergyWh, ...this.reverseTariffWh],
    });
    if (this.freezes.length > keptFreezes) this.freezes.length = keptFreezes;
  }

  override resetEnergy(atMs?: number): void {
    super.resetEnergy(atMs);
    this.forwardTariffWh.fill(0);
    this.reverseTariffWh.fill(0);
  }

  override replace(serialNumber: number, energyWh: number, atMs?: number): void {
    super.replace(serialNumber, energyWh, atMs);
    this.forwardTariffWh.fill(0);
    this.reverseTariffWh.fill(0);
    this.forwardTariffWh[2] = energyWh;
  }

  /** Per-phase values split evenly over three phases on a three-phase meter. */
  override quantity(name: QuantityName): number {
    return meterQuantity(name, {
      powerW: this.powerW,
      voltageV: this.voltageV,
      powerFactor: this.powerFactor,
      frequencyHz: this.delimiterData ? 50.35 : this.frequencyHz,
      importEnergyWh: this.importEnergyWh,
      exportEnergyWh: this.exportEnergyWh,
      serialNumber: this.serialNumber,
      phases: this.config.model === "three-phase" ? 3 : 1,
    });
  }

  /** Simulated epoch ms now. */
  clockNow(): number {
    return this.simClock.now();
  }

  /** Every quantity the model reports, now (the control interface's `quantities`). */
  override quantities(): Partial<Record<QuantityName, number>> {
    this.advance();
    const phases: QuantityName[] =
      this.config.model === "three-phase"
        ? [
            "voltageL1V",
            "voltageL2V",
            "voltageL3V",
            "currentL1A",
            "currentL2A",
            "currentL3A",
            "powerL1W",
            "powerL2W",
            "powerL3W",
          ]
        : [];
    const names: QuantityName[] = [
      "voltageV",
      "currentA",
      "powerW",
      "powerFactor",
      "frequencyHz",
      "importEnergyWh",
      "exportEnergyWh",
      ...phases,
    ];
    return Object.fromEntries(names.map((name) => [name, this.quantity(name)]));
  }

  /** The meter's own clock as local epoch ms (read with getUTC*), drift and offset included. */
  meterLocalMs(nowMs = this.simClock.now()): number {
    const drift = ((nowMs - this.clockBaseMs) * this.config.clockDriftPpm) / 1_000_000;
    return Math.round(nowMs + this.offsetMs + this.clockOffsetMs + drift);
  }

  /** Meter clock minus true local time, ms (what a broadcast time would correct). */
  clockErrorMs(nowMs = this.simClock.now()): number {
    return this.meterLocalMs(nowMs) - (nowMs + this.offsetMs);
  }

  /** Sets the meter clock to `localMs` (meter-local epoch ms) at simulated time `nowMs`. */
  setClock(localMs: number, nowMs = this.simClock.now()): void {
    this.clockBaseMs = nowMs;
    this.clockOffsetMs = localMs - (nowMs + this.offsetMs);
    this.lastTimeSyncMs = nowMs;
  }
}
