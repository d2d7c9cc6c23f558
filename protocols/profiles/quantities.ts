/**
 * The quantities a meter profile can map, with their display units. Phase quantities (L1..L3) serve
 * three-phase meters; the unsuffixed name is the single-phase value or the three-phase total/average.
 * Energy is always integer Wh after decoding (meters report float kWh; the profile's scale converts;
 * DL/T 645's BCD kWh becomes Wh in the codec).
 */
export const quantityUnits = {
  voltageV: "V",
  voltageL1V: "V",
  voltageL2V: "V",
  voltageL3V: "V",
  currentA: "A",
  currentL1A: "A",
  currentL2A: "A",
  currentL3A: "A",
  powerW: "W",
  powerL1W: "W",
  powerL2W: "W",
  powerL3W: "W",
  powerFactor: "",
  powerFactorL1: "",
  powerFactorL2: "",
  powerFactorL3: "",
  frequencyHz: "Hz",
  importEnergyWh: "Wh",
  exportEnergyWh: "Wh",
  totalEnergyWh: "Wh",
  // Energy per tariff period (DL/T 645 meters keep registers for tariffs 1..4: sharp, peak, flat, valley).
  importEnergyT1Wh: "Wh",
  importEnergyT2Wh: "Wh",
  importEnergyT3Wh: "Wh",
  importEnergyT4Wh: "Wh",
  exportEnergyT1Wh: "Wh",
  exportEnergyT2Wh: "Wh",
  exportEnergyT3Wh: "Wh",
  exportEnergyT4Wh: "Wh",
  serialNumber: "",
  /** The meter's own clock, epoch ms (its local time read in the gateway's time zone). */
  meterClockMs: "ms",
  /** DL/T 645 status word 3 (04000503) as read, 16 bits: relay, commanded state, keep-power. */
  statusWord3: "",
  /** How often the meter cover was opened (DL/T 645 event counter 03300D00). */
  coverOpenCount: "",
  /** How often the meter lost power (DL/T 645 event counter 03110000). */
  powerDownCount: "",
} as const;

export type QuantityName = keyof typeof quantityUnits;

export const quantityNames = Object.keys(quantityUnits) as QuantityName[];

/** Quantities decoded to integers (energy counters in Wh, the serial number, words, counts, times). */
export const integerQuantities: ReadonlySet<QuantityName> = new Set([
  "importEnergyWh",
  "exportEnergyWh",
  "totalEnergyWh",
  "importEnergyT1Wh",
  "importEnergyT2Wh",
  "importEnergyT3Wh",
  "importEnergyT4Wh",
  "exportEnergyT1Wh",
  "exportEnergyT2Wh",
  "exportEnergyT3Wh",
  "exportEnergyT4Wh",
  "serialNumber",
  "meterClockMs",
  "statusWord3",
  "coverOpenCount",
  "powerDownCount",
]);

export function isQuantityName(name: string): name is QuantityName {
  return Object.hasOwn(quantityUnits, name);
}
