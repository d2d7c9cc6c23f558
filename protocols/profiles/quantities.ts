/**
 * The quantities a meter profile can map, with their display units. Phase quantities (L1..L3) serve
 * three-phase meters; the unsuffixed name is the single-phase value or the three-phase total/average.
 * Energy is always integer Wh after decoding (meters report float kWh; the profile's scale converts).
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
  frequencyHz: "Hz",
  importEnergyWh: "Wh",
  exportEnergyWh: "Wh",
  totalEnergyWh: "Wh",
  serialNumber: "",
} as const;

export type QuantityName = keyof typeof quantityUnits;

export const quantityNames = Object.keys(quantityUnits) as QuantityName[];

/** Quantities decoded to integers (energy counters in Wh and the serial number). */
export const integerQuantities: ReadonlySet<QuantityName> = new Set([
  "importEnergyWh",
  "exportEnergyWh",
  "totalEnergyWh",
  "serialNumber",
]);

export function isQuantityName(name: string): name is QuantityName {
  return Object.hasOwn(quantityUnits, name);
}
