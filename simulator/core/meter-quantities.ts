/**
 * What a meter reports for each quantity, from its electrical state. Pure: the meter supplies the
 * state, this says how a real meter derives current, phase values and totals from it.
 */
import type { QuantityName } from "../../protocols/profiles/quantities.ts";

export interface MeterState {
  /** Active power, W; negative while exporting. */
  powerW: number;
  voltageV: number;
  /** 0..1, reported as 1 with no load (no current, no phase angle). */
  powerFactor: number;
  frequencyHz: number;
  importEnergyWh: number;
  exportEnergyWh: number;
  serialNumber: number;
  /** 1 or 3: a three-phase meter splits current and power evenly over its phases. */
  phases: 1 | 3;
}

export function meterQuantity(name: QuantityName, state: MeterState): number {
  const power = state.powerW;
  const current = power === 0 ? 0 : Math.abs(power) / (state.voltageV * state.powerFactor);
  switch (name) {
    case "voltageV":
    case "voltageL1V":
    case "voltageL2V":
    case "voltageL3V":
      return state.voltageV;
    case "currentA":
      return current;
    case "currentL1A":
    case "currentL2A":
    case "currentL3A":
      return current / state.phases;
    case "powerW":
      return power;
    case "powerL1W":
    case "powerL2W":
    case "powerL3W":
      return power / state.phases;
    case "powerFactor":
    case "powerFactorL1":
    case "powerFactorL2":
    case "powerFactorL3":
      return power === 0 ? 1 : state.powerFactor;
    case "frequencyHz":
      return state.frequencyHz;
    case "importEnergyWh":
      return state.importEnergyWh;
    case "exportEnergyWh":
      return state.exportEnergyWh;
    case "totalEnergyWh":
      return state.importEnergyWh + state.exportEnergyWh;
    case "serialNumber":
      return state.serialNumber;
    // A simulated meter runs on tariff 1 only: its tariff registers are the total and zeros.
    case "importEnergyT1Wh":
      return state.importEnergyWh;
    case "exportEnergyT1Wh":
      return state.exportEnergyWh;
    case "importEnergyT2Wh":
    case "importEnergyT3Wh":
    case "importEnergyT4Wh":
    case "exportEnergyT2Wh":
    case "exportEnergyT3Wh":
    case "exportEnergyT4Wh":
      return 0;
    // Not electrical: the DL/T 645 simulator keeps clock, status and event counters itself.
    case "meterClockMs":
    case "statusWord3":
    case "coverOpenCount":
    case "powerDownCount":
      return 0;
  }
}
