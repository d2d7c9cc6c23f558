/**
 * A meter's own status as a poll read it: the DL/T 645 profiles map status word 3 (DI 04000503) to
 * `statusWord3` and the event counters to `coverOpenCount` and `powerDownCount` (protocols/profiles/builtin/dlt645-*.yaml). A reading without them observes nothing.
 */
import type { QuantityValues } from "../../protocols/profiles/decode.ts";
import type { QuantityName } from "../../protocols/profiles/quantities.ts";
import type { MeterEventCounters } from "../metering/controls.ts";
import type { StatusObservation } from "./diff.ts";

const bit = (word: number, n: number) => (word & (1 << n)) !== 0;

// Magnetic interference (03350000) is not in the shipped profiles' polls: read by readEventCounters.
const counterNames: ReadonlyArray<[keyof MeterEventCounters, QuantityName]> = [
  ["coverOpen", "coverOpenCount"],
  ["powerDown", "powerDownCount"],
];

/** Whether `values` has an event counter: most readings (every Modbus meter's) have none. */
function carriesCounters(values: QuantityValues): boolean {
  for (const [, quantity] of counterNames) if (values[quantity] !== undefined) return true;
  return false;
}

/** The observation in a reading's values (status word 3 bits 4 and 6; the counters as read). */
export function observationOf(
  values: QuantityValues,
  awaitingButton: boolean,
): StatusObservation | undefined {
  const word = values["statusWord3"];
  if (word === undefined && !carriesCounters(values)) return undefined;
  const counters: Record<string, number> = {};
  for (const [counter, quantity] of counterNames) {
    const value = values[quantity];
    if (typeof value === "number") counters[counter] = value;
  }
  const hasCounters = Object.keys(counters).length > 0;
  if (typeof word !== "number" && !hasCounters) return undefined;
  return {
    ...(typeof word === "number"
      ? { relay: { closed: !bit(word, 4), openCommanded: bit(word, 6) }, awaitingButton }
      : {}),
    ...(hasCounters ? { counters } : {}),
  };
}
