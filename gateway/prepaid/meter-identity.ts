/**
 * Which physical meter answers at an address, by its serial number (Eastron holding register 0xFC00,
 * DOMAIN.md section 4). A changed serial means the meter was replaced: the old register and the new one
 * have nothing in common, so the jump between them is never charged, the new meter's register becomes
 * the baseline, and the change waits for a person to confirm it (meter.replace.confirm). Billing goes
 * on from the new register meanwhile: the customer keeps drawing power, and a prepaid account that
 * stopped counting down would never be cut.
 */

/** A replacement seen and not yet confirmed. */
export interface MeterReplacement {
  readonly oldSerial: number;
  readonly newSerial: number;
  /** The old meter's register at its last billed reading, Wh (undefined if it was never billed). */
  readonly oldEnergyWh: number | undefined;
  /** The new meter's register at its first reading: the new baseline, Wh. */
  readonly newEnergyWh: number;
  /** Wall-clock epoch ms of the first reading from the new meter. */
  readonly atMs: number;
}

/** What is remembered per meter (persist it with the meter's state). */
export interface MeterIdentity {
  /** Serial of the meter now answering. */
  readonly serial: number;
  /** The last replacement, until confirmed. */
  readonly pending: MeterReplacement | undefined;
}

/** One reading as this check needs it. */
export interface IdentityReading {
  /** Serial number read, if the profile maps one and it was read (optional registers may fail). */
  readonly serial: number | undefined;
  /** Import register, Wh. */
  readonly energyWh: number;
  readonly wallMs: number;
}

/**
 * - `same`: the serial is the known one, or none was read (nothing to compare): judge energy as usual.
 * - `first`: the first serial seen at this address: remembered, nothing else changes.
 * - `replaced`: another meter answers: start a new baseline, charge nothing for the jump, raise
 *   anomaly.meter-replaced. `superseded` is an unconfirmed earlier replacement this one replaces.
 */
export type IdentityVerdict =
  | { readonly kind: "same" }
  | { readonly kind: "first" }
  | {
      readonly kind: "replaced";
      readonly replacement: MeterReplacement;
      readonly superseded: MeterReplacement | undefined;
    };

/**
 * Judges a reading's serial against the meter's identity.
 * @param baselineWh the old meter's register at its last billed reading (the plausibility baseline)
 */
export function assessIdentity(
  identity: MeterIdentity | undefined,
  reading: IdentityReading,
  baselineWh: number | undefined,
): { readonly identity: MeterIdentity | undefined; readonly verdict: IdentityVerdict } {
  const serial = reading.serial;
  if (serial === undefined || !Number.isSafeInteger(serial)) return { identity, verdict: { kind: "same" } };
  if (identity === undefined) return { identity: { serial, pending: undefined }, verdict: { kind: "first" } };
  if (identity.serial === serial) return { identity, verdict: { kind: "same" } };
  const replacement: MeterReplacement = {
    oldSerial: identity.serial,
    newSerial: serial,
    oldEnergyWh: baselineWh,
    newEnergyWh: reading.energyWh,
    atMs: reading.wallMs,
  };
  return {
    identity: { serial, pending: replacement },
    verdict: { kind: "replaced", replacement, superseded: identity.pending },
  };
}

/** Result of {@link confirmReplacement}. */
export type ConfirmOutcome =
  | { readonly ok: true; readonly identity: MeterIdentity; readonly confirmed: MeterReplacement }
  | { readonly ok: false; readonly reason: "none-pending" }
  | { readonly ok: false; readonly reason: "serial-mismatch"; readonly pending: MeterReplacement };

/**
 * Confirms the pending replacement. `serial` must be the new meter's serial as installed, so a person
 * confirms the swap they made and not another one seen since.
 */
export function confirmReplacement(identity: MeterIdentity | undefined, serial: number): ConfirmOutcome {
  const pending = identity?.pending;
  if (identity === undefined || pending === undefined) return { ok: false, reason: "none-pending" };
  if (pending.newSerial !== serial) return { ok: false, reason: "serial-mismatch", pending };
  return { ok: true, identity: { serial: identity.serial, pending: undefined }, confirmed: pending };
}
