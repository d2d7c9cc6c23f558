/**
 * Whether billing of a meter has stalled: the run of consecutive readings the plausibility check held
 * (anomaly.ts). One held reading is field noise and is audited by its own event; a streak means every
 * reading is implausible (a wrong maxPowerW or register scale, a clock that is not set) and nothing is
 * being charged, which /healthz must say.
 */
import type { ReadingVerdict } from "./anomaly.ts";

/** Why the readings of a streak were held: the last held reading's reason. */
export type HoldReason = Extract<ReadingVerdict, { kind: "hold" }>["reason"] | "persistent-jump";

/** A run of held readings (persist it with the meter's state). */
export interface HoldStreak {
  /** Wall-clock epoch ms of the first held reading of the run. */
  readonly sinceMs: number;
  /** Held readings in the run, >= 1. */
  readonly readings: number;
  readonly reason: HoldReason;
}

/** Held readings in a row from which billing counts as stalled (one is noise, two is a pattern). */
export const STALLED_AFTER_READINGS = 2;

/**
 * The streak after a reading with `verdict`, taken at `wallMs` (epoch ms). A charge or a plain baseline
 * ends it; a hold extends it; a persistent jump (the implausible level accepted, its energy held for
 * anomaly.resolve) extends it too, since its energy was not charged either. A decrease ends it: the
 * reading became the new baseline and the next plausible delta is charged.
 */
export function nextHoldStreak(
  streak: HoldStreak | undefined,
  verdict: ReadingVerdict,
  wallMs: number,
): HoldStreak | undefined {
  switch (verdict.kind) {
    case "hold":
      return extend(streak, verdict.reason, wallMs);
    case "rebase":
      return verdict.reason === "persistent-jump" ? extend(streak, "persistent-jump", wallMs) : undefined;
    case "charge":
    case "baseline":
      return undefined;
  }
}

function extend(streak: HoldStreak | undefined, reason: HoldReason, wallMs: number): HoldStreak {
  return { sinceMs: streak?.sinceMs ?? wallMs, readings: (streak?.readings ?? 0) + 1, reason };
}

/** True when the streak is long enough to say billing has stalled. */
export function billingStalled(streak: HoldStreak | undefined): boolean {
  return streak !== undefined && streak.readings >= STALLED_AFTER_READINGS;
}
