/**
 * Finds meters on a bus and guesses their profile: any reply (even an exception) proves a unit is
 * there; then each profile's read plan is tried and the one whose values look like a real meter wins.
 */
import { SystemClock } from "../../core/clock.ts";
import { ErrorCode, isGatewayError } from "../../core/errors.ts";
import { isTransient } from "../bus/counters.ts";
import { BusScheduler } from "../bus/scheduler.ts";
import { ModbusMeterDriver } from "../metering/modbus-driver.ts";
import type { QuantityValues } from "../../protocols/profiles/decode.ts";
import type { QuantityName } from "../../protocols/profiles/quantities.ts";
import type { ProfileRegistry } from "../../protocols/profiles/load.ts";
import type { ModbusTransport } from "../../protocols/modbus/transport/transport.ts";

export interface ScanHit {
  unit: number;
  /** Best-matching profile, or undefined when none fits. */
  profile: string | undefined;
  /** Other profiles that read just as plausibly. */
  alternatives: string[];
  values: QuantityValues;
  relayClosed?: boolean;
  /** Optional quantities the meter answered with an exception (e.g. `serialNumber`). */
  missing?: QuantityName[];
}

/** Ranges a live meter's readings fall in; a wrong register map lands outside them. */
function plausibility(values: QuantityValues): number {
  let score = 0;
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith("voltage")) score += value >= 50 && value <= 500 ? 1 : -1;
    else if (name === "frequencyHz") score += value >= 45 && value <= 65 ? 1 : -1;
    else if (name === "powerFactor") score += value >= -1 && value <= 1 ? 0 : -1;
    else if (name.endsWith("EnergyWh")) score += value >= 0 ? 0 : -1;
  }
  return score;
}

export class BusProber {
  private readonly scheduler: BusScheduler<ModbusTransport>;

  constructor(
    transport: ModbusTransport,
    private readonly profiles: ProfileRegistry,
    private readonly timeoutMs: number,
  ) {
    this.scheduler = new BusScheduler(transport, {
      busId: "scan",
      clock: new SystemClock(),
      timeoutMs,
      interFrameGapMs: 5,
    });
  }

  /** True when the unit answers anything at all (a value or a Modbus exception). */
  async present(unit: number): Promise<boolean> {
    try {
      await this.scheduler.enqueue({
        meterId: `unit-${unit}`,
        priority: "poll",
        retries: 0,
        run: (tx) => tx.transact((link, t) => link.readRegisters(unit, 4, 0, 2, t)),
      });
      return true;
    } catch (error) {
      if (isGatewayError(error, ErrorCode.ModbusException)) return true;
      // Silence or a mangled reply: nothing usable answers at this address.
      if (isGatewayError(error) && isTransient(error)) return false;
      throw error;
    }
  }

  /** Tries every profile on a present unit and ranks them. */
  async identify(unit: number): Promise<ScanHit> {
    const fits: Array<Omit<ScanHit, "unit" | "profile" | "alternatives"> & { id: string; score: number }> =
      [];
    for (const profile of this.profiles.values()) {
      if (profile.protocol !== "modbus") continue;
      const driver = new ModbusMeterDriver(profile, unit);
      try {
        const result = await this.scheduler.enqueue({
          meterId: `unit-${unit}`,
          priority: "poll",
          retries: 1,
          run: (tx) => driver.poll(tx),
        });
        // A working relay read-back is evidence too: it separates a prepaid meter from its base map.
        const score = plausibility(result.values) + (result.relayClosed === undefined ? 0 : 1);
        fits.push({
          id: profile.id,
          score,
          values: result.values,
          ...(result.relayClosed === undefined ? {} : { relayClosed: result.relayClosed }),
          ...(result.missing === undefined ? {} : { missing: result.missing.map((m) => m.quantity) }),
        });
      } catch (error) {
        if (!isGatewayError(error)) throw error;
      }
    }
    fits.sort((a, b) => b.score - a.score);
    const best = fits[0];
    if (best === undefined || best.score <= 0)
      return { unit, profile: undefined, alternatives: [], values: {} };
    return {
      unit,
      profile: best.id,
      alternatives: fits.filter((f) => f !== best && f.score === best.score).map((f) => f.id),
      values: best.values,
      ...(best.relayClosed === undefined ? {} : { relayClosed: best.relayClosed }),
      ...(best.missing === undefined ? {} : { missing: best.missing }),
    };
  }

  close(): Promise<void> {
    return this.scheduler.stop();
  }
}
