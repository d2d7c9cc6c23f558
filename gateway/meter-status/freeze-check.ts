/**
 * Cross-check of a meter's own daily freeze (DL/T 645 DIs 05060001 + 05060101: the forward active
 * energy the meter froze at its freeze time) against the gateway's readings, from which the gateway's
 * daily freeze (schedule/jobs.ts, the last reading before midnight) is made. The register frozen at the
 * instant T can be no lower than a reading taken before T and no higher than one taken after T, each
 * within one register resolution (0.01 kWh = 10 Wh): outside that bracket one of the two is wrong.
 */

/** A stored reading of the register: when, and what it read. */
export interface RegisterSample {
  readonly atMs: number;
  readonly energyWh: number;
}

export type FreezeCheck =
  | { readonly verdict: "agrees" }
  /** No gateway reading on one side of the freeze instant: nothing to compare with. */
  | { readonly verdict: "not-comparable" }
  | {
      readonly verdict: "mismatch";
      /** The bracket the frozen value should lie in, Wh (resolution included). */
      readonly lowWh: number;
      readonly highWh: number;
      /** How far outside it the frozen value is, Wh (negative: below). */
      readonly offByWh: number;
    };

/**
 * Judges `frozenWh` (the meter's register at its freeze) against the gateway's last reading at or before
 * the freeze and its first reading at or after it.
 * @param resolutionWh the register's resolution, Wh (10 for XXXXXX.XX kWh)
 */
export function checkFreeze(
  frozenWh: number,
  resolutionWh: number,
  before: RegisterSample | undefined,
  after: RegisterSample | undefined,
): FreezeCheck {
  if (before === undefined || after === undefined) return { verdict: "not-comparable" };
  const lowWh = before.energyWh - resolutionWh;
  const highWh = after.energyWh + resolutionWh;
  if (frozenWh < lowWh) return { verdict: "mismatch", lowWh, highWh, offByWh: frozenWh - lowWh };
  if (frozenWh > highWh) return { verdict: "mismatch", lowWh, highWh, offByWh: frozenWh - highWh };
  return { verdict: "agrees" };
}
