/**
 * The data identifiers (DI3 DI2 DI1 DI0, written most significant first, sent low byte first) this
 * gateway reads or writes, with their appendix A formats. A DI is a number: 0x00010000 is 00010000.
 */
import type { DateTimeLayout, Dlt645Unit, FieldFormat, NumberFormat } from "./formats.ts";

/** One DI: its format and how many consecutive fields of it the reply carries (a block has several). */
export interface DataIdEntry {
  /** 0x00000000..0xFFFFFFFF. */
  readonly di: number;
  /** Short English name, stable (logs, CLI output). */
  readonly name: string;
  readonly format: FieldFormat;
  /** Fields in the reply, 1 for a single item, 5 for an energy block (total + tariffs 1..4). */
  readonly count: number;
}

const num = (bytes: number, decimals: number, unit: Dlt645Unit, signed = false): NumberFormat => ({
  kind: "number",
  bytes,
  decimals,
  signed,
  unit,
});
const time = (layout: DateTimeLayout): FieldFormat => ({ kind: "datetime", layout });

/** XXXXXX.XX kWh (appendix A.1). */
export const energyFormat = num(4, 2, "kWh");
/** Combined active energy carries a sign (appendix A.1, "组合有功" highest bit). */
const signedEnergy = num(4, 2, "kWh", true);
const voltage = num(2, 1, "V");
/** XXX.XXX A, top bit the direction (appendix A.3). */
const current = num(3, 3, "A", true);
/** XX.XXXX kW/kvar, top bit the direction (appendix A.3). */
const activePower = num(3, 4, "kW", true);
const reactivePower = num(3, 4, "kvar", true);
const apparentPower = num(3, 4, "kVA");
/** X.XXX, top bit the sign (appendix A.3). */
const powerFactor = num(2, 3, "", true);
const money = num(4, 2, "yuan");
const counter3 = num(3, 0, "count");

const entries: DataIdEntry[] = [
  { di: 0x00000000, name: "combined-active-energy", format: signedEnergy, count: 1 },
  { di: 0x00010000, name: "forward-active-energy", format: energyFormat, count: 1 },
  { di: 0x0001ff00, name: "forward-active-energy-block", format: energyFormat, count: 5 },
  { di: 0x00020000, name: "reverse-active-energy", format: energyFormat, count: 1 },
  { di: 0x0002ff00, name: "reverse-active-energy-block", format: energyFormat, count: 5 },
  { di: 0x0201ff00, name: "voltage-block", format: voltage, count: 3 },
  { di: 0x0202ff00, name: "current-block", format: current, count: 3 },
  { di: 0x02030000, name: "active-power", format: activePower, count: 1 },
  { di: 0x0203ff00, name: "active-power-block", format: activePower, count: 4 },
  { di: 0x02040000, name: "reactive-power", format: reactivePower, count: 1 },
  { di: 0x02050000, name: "apparent-power", format: apparentPower, count: 1 },
  { di: 0x02060000, name: "power-factor", format: powerFactor, count: 1 },
  { di: 0x0206ff00, name: "power-factor-block", format: powerFactor, count: 4 },
  { di: 0x02800002, name: "frequency", format: num(2, 2, "Hz"), count: 1 },
  { di: 0x04000101, name: "date", format: time("YYMMDDWW"), count: 1 },
  { di: 0x04000102, name: "time", format: time("hhmmss"), count: 1 },
  { di: 0x04000401, name: "communication-address", format: { kind: "digits", bytes: 6 }, count: 1 },
  { di: 0x03300d00, name: "cover-open-count", format: counter3, count: 1 },
  { di: 0x03300e00, name: "terminal-cover-open-count", format: counter3, count: 1 },
  { di: 0x03350000, name: "magnetic-interference-count", format: counter3, count: 1 },
  { di: 0x03110000, name: "power-down-count", format: counter3, count: 1 },
  { di: 0x00900200, name: "remaining-balance", format: money, count: 1 },
  { di: 0x00900201, name: "overdraft-used", format: money, count: 1 },
  { di: 0x03330201, name: "purchase-count", format: num(2, 0, "count"), count: 1 },
];

// Tariff registers 1..4 of forward and reverse energy (appendix A.1, DI2 = 01 or 02, DI1 = tariff).
for (const [kind, base] of [
  ["forward", 0x00010000],
  ["reverse", 0x00020000],
] as const) {
  for (let tariff = 1; tariff <= 4; tariff++) {
    entries.push({
      di: base | (tariff << 8),
      name: `${kind}-active-energy-t${tariff}`,
      format: energyFormat,
      count: 1,
    });
  }
}
// Per-phase voltage, current, power, power factor (appendix A.3, DI1 = phase 1..3, 0 = total).
for (let phase = 1; phase <= 3; phase++) {
  const p = phase << 8;
  entries.push({ di: 0x02010000 | p, name: `voltage-l${phase}`, format: voltage, count: 1 });
  entries.push({ di: 0x02020000 | p, name: `current-l${phase}`, format: current, count: 1 });
  entries.push({ di: 0x02030000 | p, name: `active-power-l${phase}`, format: activePower, count: 1 });
  entries.push({ di: 0x02060000 | p, name: `power-factor-l${phase}`, format: powerFactor, count: 1 });
}
// Status words 1..7 (appendix A.5), two bytes of bits each.
for (let word = 1; word <= 7; word++) {
  entries.push({
    di: 0x04000500 | word,
    name: `status-word-${word}`,
    format: { kind: "bits", bytes: 2 },
    count: 1,
  });
}
// Cost-control parameters (DOMAIN.md section 2): alarm amounts, limits, prices.
for (const [low, name] of [
  [1, "alarm-amount-1"],
  [2, "alarm-amount-2"],
  [3, "overdraft-limit"],
  [4, "hoarding-limit"],
  [5, "close-allowed-amount"],
] as const) {
  entries.push({ di: 0x04001000 | low, name, format: money, count: 1 });
}
for (let rate = 1; rate <= 4; rate++) {
  entries.push({
    di: 0x04050100 | rate,
    name: `rate-price-${rate}`,
    format: num(4, 4, "yuan/kWh"),
    count: 1,
  });
}

const byDi = new Map(entries.map((entry) => [entry.di >>> 0, entry]));

/** Oldest daily freeze a meter keeps (appendix A: 上1..上62次日冻结). */
export const maxDailyFreezes = 62;

/** DI of the n-th most recent daily freeze's time (YYMMDDhhmm), n = 1..62. */
export function dailyFreezeTimeDi(daysBack: number): number {
  return 0x05060000 | checkDaysBack(daysBack);
}

/** DI of the n-th most recent daily frozen forward active energy (total + 4 tariffs), n = 1..62. */
export function dailyFrozenForwardDi(daysBack: number): number {
  return 0x05060100 | checkDaysBack(daysBack);
}

/** DI of the n-th most recent daily frozen reverse active energy (total + 4 tariffs), n = 1..62. */
export function dailyFrozenReverseDi(daysBack: number): number {
  return 0x05060200 | checkDaysBack(daysBack);
}

function checkDaysBack(daysBack: number): number {
  if (!Number.isInteger(daysBack) || daysBack < 1 || daysBack > maxDailyFreezes) {
    throw new RangeError(`daily freeze index 1..${maxDailyFreezes}: ${daysBack}`);
  }
  return daysBack;
}

function dailyFreezeEntry(di: number): DataIdEntry | undefined {
  const n = di & 0xff;
  if (n < 1 || n > maxDailyFreezes) return undefined;
  switch ((di >>> 8) & 0xffffff) {
    case 0x050600:
      return { di, name: `daily-freeze-time-${n}`, format: time("YYMMDDhhmm"), count: 1 };
    case 0x050601:
      return { di, name: `daily-frozen-forward-energy-${n}`, format: energyFormat, count: 5 };
    case 0x050602:
      return { di, name: `daily-frozen-reverse-energy-${n}`, format: energyFormat, count: 5 };
    default:
      return undefined;
  }
}

/** The table entry of a DI, or `undefined` for a DI this codec has no format for. */
export function findDataId(di: number): DataIdEntry | undefined {
  return byDi.get(di >>> 0) ?? dailyFreezeEntry(di >>> 0);
}

/** Every fixed entry of the table (daily freezes excluded: they are generated by index). */
export const dataIdTable: readonly DataIdEntry[] = entries;

/** "0001FF00" for 0x0001ff00. */
export function formatDi(di: number): string {
  return (di >>> 0).toString(16).padStart(8, "0").toUpperCase();
}

/** 0x0001ff00 for "0001FF00" (8 hex digits); throws RangeError otherwise. */
export function parseDi(text: string): number {
  if (!/^[0-9A-Fa-f]{8}$/.test(text)) throw new RangeError(`a DI is 8 hex digits: "${text}"`);
  return Number.parseInt(text, 16) >>> 0;
}
