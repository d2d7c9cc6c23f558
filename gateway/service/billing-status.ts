/**
 * The billing side of /status and /healthz: per meter, what keeps it from being billed normally (held
 * readings, held jumps, a relay that does not follow its command, an unconfirmed replacement), and for
 * the gateway, batches of readings that cannot be stored. billingProblems() turns a status snapshot
 * into health reasons in plain words; it is pure, so the wording is tested without a service.
 */
import { billingStalled, type HoldReason, type RelayPosition } from "../prepaid/index.ts";
import type { MeterBillingHealth, SupplyCut } from "../billing/meter-health.ts";
import { waitingFor } from "../billing/cut-wait.ts";
import type { StoreFailureEpisode } from "./store-failures.ts";

/** /status `meters[].billing`. */
export interface MeterBillingStatus {
  /** Readings held now instead of charged: since when (epoch ms), how many, why; null when charging. */
  heldReadings: { sinceMs: number; readings: number; reason: HoldReason; stalled: boolean } | null;
  /** Energy jumps waiting for anomaly.resolve. */
  heldJumps: Array<{ anomaly: number; energyWh: number }>;
  /** The relay reads back another position than commanded; null when it follows. */
  relayDisobeys: { expected: RelayPosition; actual: RelayPosition; redrives: number } | null;
  /**
   * Why the supply is cut (`executed`) or announced to be (`plannedAtMs`): `arrears` or `remote` (with
   * the command's reason); null when it is not.
   */
  cut: {
    reason: "arrears" | "remote";
    detail: string | null;
    executed: boolean;
    plannedAtMs: number | null;
    /** A due cut that has not run: why, in plain words (`waitingFor`), and until when; null: none. */
    waiting: {
      reason: string;
      waitingFor: string;
      untilMs: number | null;
      currentA: number | null;
      overlong: boolean;
    } | null;
  } | null;
  /** A replacement waiting for meter.replace.confirm, and what billing does meanwhile. */
  replacement: {
    oldSerial: number;
    newSerial: number;
    oldEnergyWh: number | null;
    newEnergyWh: number;
    atMs: number;
    billing: string;
  } | null;
}

/** /status `storage`: batches of readings failing to store now. */
export interface StorageStatus {
  failing: boolean;
  /** The current episode; null when batches store. */
  episode: StoreFailureEpisode | null;
  /** Failed batches since start. */
  failedBatchesTotal: number;
}

/** A meter's billing health as /status shows it (null for what is fine, epoch ms for times). */
export function meterBillingStatus(health: MeterBillingHealth): MeterBillingStatus {
  const { held, replacement, relayDisobeys } = health;
  return {
    heldReadings: held === undefined ? null : { ...held, stalled: billingStalled(held) },
    heldJumps: health.heldJumps.map((a) => ({ anomaly: a.id, energyWh: a.energyWh })),
    relayDisobeys: relayDisobeys === undefined ? null : { ...relayDisobeys },
    cut: health.cut === undefined ? null : supplyCutStatus(health.cut),
    replacement:
      replacement === undefined
        ? null
        : {
            ...replacement,
            oldEnergyWh: replacement.oldEnergyWh ?? null,
            billing: "billed from the new meter's register; the jump is not charged",
          },
  };
}

function supplyCutStatus(cut: SupplyCut): NonNullable<MeterBillingStatus["cut"]> {
  const { waiting, ...rest } = cut;
  return {
    ...rest,
    detail: cut.detail ?? null,
    plannedAtMs: cut.plannedAtMs ?? null,
    waiting:
      waiting === undefined
        ? null
        : {
            reason: waiting.reason,
            waitingFor: waitingFor(waiting.reason, waiting.currentA),
            untilMs: waiting.untilMs ?? null,
            currentA: waiting.currentA ?? null,
            overlong: waiting.overlong,
          },
  };
}

/** /status `storage` from the current episode (if any) and the failed batches since start. */
export function storageStatus(episode: StoreFailureEpisode | undefined, total: number): StorageStatus {
  return { failing: episode !== undefined, episode: episode ?? null, failedBatchesTotal: total };
}

const holdReasons: Record<HoldReason, string> = {
  spike: "energy jumps more than the supply can draw",
  "persistent-jump": "energy jumps more than the supply can draw",
  "wall-jump": "the wall clock jumped",
  "wall-backwards": "the wall clock went backwards",
  "monotonic-reset": "the gateway restarted",
  "wall-implausible": "the wall clock is not set",
};

const iso = (ms: number) => new Date(ms).toISOString();

/** Health reasons of the billing side, in plain words; empty when billing runs normally. */
export function billingProblems(status: {
  meters: ReadonlyArray<{ id: string; billing: MeterBillingStatus }>;
  storage: StorageStatus;
}): string[] {
  const problems: string[] = [];
  const episode = status.storage.episode;
  if (episode !== null)
    problems.push(
      `readings cannot be stored, so they are not billed: ${episode.batches} batch(es), ${episode.readings} reading(s) lost since ${iso(episode.sinceMs)}; last error: ${episode.lastError}`,
    );
  for (const { id, billing } of status.meters) {
    const held = billing.heldReadings;
    if (held?.stalled === true)
      problems.push(
        `meter ${id}: readings held, not billed: ${held.readings} in a row since ${iso(held.sinceMs)} (${holdReasons[held.reason]})`,
      );
    const jumpWh = billing.heldJumps.reduce((sum, j) => sum + j.energyWh, 0);
    if (billing.heldJumps.length > 0)
      problems.push(
        `meter ${id}: ${jumpWh} Wh in ${billing.heldJumps.length} energy jump(s) held, not billed, until anomaly.resolve charges or waives them (anomaly ${billing.heldJumps.map((j) => j.anomaly).join(", ")})`,
      );
    const relay = billing.relayDisobeys;
    if (relay !== null)
      problems.push(
        `meter ${id}: relay does not follow its command: commanded ${relay.expected}, reads ${relay.actual} (re-driven ${relay.redrives} time(s))`,
      );
    const wait = billing.cut?.waiting;
    if (wait?.overlong === true)
      problems.push(
        `meter ${id}: the cut has waited longer than policy.tripMaxDeferMin for ${wait.waitingFor}; it runs when the load drops, or the platform decides`,
      );
    const swap = billing.replacement;
    if (swap !== null)
      problems.push(
        `meter ${id}: replaced (serial ${swap.oldSerial} -> ${swap.newSerial}) and not confirmed: ${swap.billing}; confirm with meter.replace.confirm`,
      );
  }
  return problems;
}
