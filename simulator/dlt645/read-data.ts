/**
 * What a simulated DL/T 645 meter answers to a read of each DI: its live state encoded with the codec's
 * own formats (protocols/dlt645), so the simulator and the gateway cannot disagree on a layout.
 */
import {
  decodeStatusWord3,
  encodeDataValues,
  encodeStatusWord3,
  findDataId,
  type Dlt645DateTime,
  type FieldValue,
} from "../../protocols/dlt645/index.ts";
import type { DltSimMeter } from "./dlt-meter.ts";

/** Status word 3 as the meter reports it now. */
export function statusWord3(meter: DltSimMeter): number {
  return encodeStatusWord3({
    relayOpen: !meter.relayClosed,
    openCommanded: meter.relayFlags.openCommanded,
    alarmOn: meter.relayFlags.alarmOn,
    keepPower: meter.relayFlags.keepPower,
  });
}

/** Status word 3's named bits (for the control interface). */
export function statusWord3Bits(meter: DltSimMeter) {
  return decodeStatusWord3(statusWord3(meter));
}

function localFields(localMs: number): Required<Dlt645DateTime> {
  const d = new Date(localMs);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

const phaseNames = ["L1", "L2", "L3"] as const;

/** Values of the instantaneous DIs (voltage, current, power, power factor), or undefined. */
function instantaneous(meter: DltSimMeter, di: number): FieldValue[] | undefined {
  const three = meter.config.model === "three-phase";
  const q = (name: Parameters<DltSimMeter["quantity"]>[0]) => meter.quantity(name);
  const phase = (di >>> 8) & 0xff;
  const group = di & 0xffff00ff;
  if (phase >= 1 && phase <= 3) {
    if (!three && phase > 1) return undefined;
    const p = three ? phaseNames[phase - 1]! : undefined;
    if (group === 0x02010000) return [q(p ? `voltage${p}V` : "voltageV")];
    if (group === 0x02020000) return [q(p ? `current${p}A` : "currentA")];
    if (group === 0x02030000) return [q(p ? `power${p}W` : "powerW")];
    if (group === 0x02060000) return [q("powerFactor")];
  }
  switch (di) {
    case 0x02030000:
      return [q("powerW")];
    case 0x02060000:
      return [q("powerFactor")];
    case 0x02800002:
      return [q("frequencyHz")];
    case 0x0201ff00:
      return three ? phaseNames.map((p) => q(`voltage${p}V`)) : undefined;
    case 0x0202ff00:
      return three ? phaseNames.map((p) => q(`current${p}A`)) : undefined;
    case 0x0203ff00:
      return three ? [q("powerW"), ...phaseNames.map((p) => q(`power${p}W`))] : undefined;
    case 0x0206ff00:
      return three ? [1, 2, 3, 4].map(() => q("powerFactor")) : undefined;
    default:
      return undefined;
  }
}

/** Values of the energy, clock, status and counter DIs, or undefined. */
function registers(meter: DltSimMeter, di: number): FieldValue[] | undefined {
  const forward = [meter.importEnergyWh, ...meter.forwardTariffWh];
  const reverse = [meter.exportEnergyWh, ...meter.reverseTariffWh];
  if ((di & 0xffff00ff) === 0x00010000 && ((di >>> 8) & 0xff) <= 4) return [forward[(di >>> 8) & 0xff]!];
  if ((di & 0xffff00ff) === 0x00020000 && ((di >>> 8) & 0xff) <= 4) return [reverse[(di >>> 8) & 0xff]!];
  const now = localFields(meter.meterLocalMs());
  switch (di) {
    case 0x00000000:
      return [meter.importEnergyWh + meter.exportEnergyWh];
    case 0x0001ff00:
      return forward;
    case 0x0002ff00:
      return reverse;
    case 0x04000101:
      return [{ year: now.year, month: now.month, day: now.day, weekday: now.weekday }];
    case 0x04000102:
      return [{ hour: now.hour, minute: now.minute, second: now.second }];
    case 0x04000401:
      return [meter.address];
    case 0x04000501:
      // The delimiter-data fault: status word 1 = 0x16E3, whose masked low byte is 16 (E3 + 33).
      return [meter.delimiterData ? 0x16e3 : 0];
    case 0x04000503:
      return [statusWord3(meter)];
    case 0x03300d00:
      return [meter.counters.coverOpen];
    case 0x03300e00:
      return [meter.counters.terminalCoverOpen];
    case 0x03350000:
      return [meter.counters.magnetic];
    case 0x03110000:
      return [meter.counters.powerDown];
    default:
      return freezeValues(meter, di);
  }
}

function freezeValues(meter: DltSimMeter, di: number): FieldValue[] | undefined {
  const n = di & 0xff;
  const freeze = meter.freezes[n - 1];
  if (freeze === undefined) return undefined;
  switch (di >>> 8) {
    case 0x050600: {
      const at = localFields(freeze.atMs + meter.config.utcOffsetMinutes * 60_000);
      return [{ year: at.year, month: at.month, day: at.day, hour: at.hour, minute: at.minute }];
    }
    case 0x050601:
      return [...freeze.forwardWh];
    case 0x050602:
      return [...freeze.reverseWh];
    default:
      return undefined;
  }
}

/**
 * The payload (after the DI) a read of `di` gets, or `undefined` when this meter has no such data (the
 * meter then answers error 02, no requested data).
 */
export function readPayload(meter: DltSimMeter, di: number): Uint8Array | undefined {
  const written = meter.written.get(di >>> 0);
  if (written !== undefined) return written;
  const entry = findDataId(di);
  if (entry === undefined) return undefined;
  meter.advance();
  const values = instantaneous(meter, di) ?? registers(meter, di);
  if (values === undefined) return undefined;
  try {
    return encodeDataValues(entry, values);
  } catch {
    // A value beyond the register's digits (a load of over 99 kW on XX.XXXX): the meter has no answer.
    return undefined;
  }
}
