/**
 * What a simulated DL/T 645 meter is configured with, beyond what every simulated meter has (load,
 * energy, relay): its address, credentials, model, clock and how it answers long reads.
 */
import type { PasswordOrder } from "../../protocols/dlt645/index.ts";

/** `single-phase` or `three-phase`: which DIs the meter answers (per-phase values only on three-phase). */
export type DltModel = "single-phase" | "three-phase";

export interface DltMeterConfig {
  /** 12 BCD digits, e.g. "000000000001". */
  readonly address: string;
  readonly model: DltModel;
  /** Privilege level the meter accepts for 0x14/0x1C, 0..99; default 2. Level 98 means an ESAM meter. */
  readonly level: number;
  /** 6 decimal digits; default "000000". */
  readonly password: string;
  /** How the meter expects the 3 password bytes; default `low-first`. */
  readonly passwordOrder: PasswordOrder;
  /**
   * Longest payload (bytes after the DI) one reply carries, 1..200; a longer read is split into 0xB1 +
   * 0x12 follow-ups. Default 200 (never split: the 20-byte 0001FF00 block comes whole).
   */
  readonly maxPayloadBytes: number;
  /** Meter clock minus true local time at start, ms (positive: the meter runs ahead). Default 0. */
  readonly clockOffsetMs: number;
  /** Clock drift, parts per million of simulated time (positive: gains). Default 0. */
  readonly clockDriftPpm: number;
  /** Minutes east of UTC of the meter's local time (China: 480). Default the simulation's offset. */
  readonly utcOffsetMinutes: number;
  /** Tariff 1..4 of each local hour 0..23 (24 numbers). Default {@link defaultTariffHours}. */
  readonly tariffHours: readonly number[];
}

/**
 * A typical State Grid time-of-use day: valley (4) 23:00-07:00, flat (3) 07:00-08:00 and 11:00-18:00,
 * peak (2) 08:00-11:00, 18:00-19:00 and 21:00-23:00, sharp (1) 19:00-21:00.
 */
export const defaultTariffHours: readonly number[] = [
  4, 4, 4, 4, 4, 4, 4, 3, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 2, 1, 1, 2, 2, 4,
];

/** Fills in the defaults of a partial config. */
export function dltMeterConfig(
  partial: Partial<DltMeterConfig> & { address: string },
  utcOffsetMinutes: number,
): DltMeterConfig {
  return {
    model: "single-phase",
    level: 2,
    password: "000000",
    passwordOrder: "low-first",
    maxPayloadBytes: 200,
    clockOffsetMs: 0,
    clockDriftPpm: 0,
    utcOffsetMinutes,
    tariffHours: defaultTariffHours,
    ...partial,
  };
}
