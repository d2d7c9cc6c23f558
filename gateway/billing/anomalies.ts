/**
 * Held anomalies: energy jumps that are implausible but persisted (DOMAIN.md section 5, "energy over
 * tolerance"). They are not charged until a command (anomaly.resolve) charges or waives them; the list
 * lives in the store's kv table, written in the unit of work that found or resolved the jump.
 */
import type { Store } from "../store/index.ts";

export interface HeldAnomaly {
  id: number;
  meterId: string;
  accountId: string;
  /** The held energy, Wh (> 0). */
  energyWh: number;
  /** The interval it was used over, epoch ms: the last charged reading to the confirming reading. */
  fromMs: number;
  toMs: number;
}

const key = (meterId: string) => `prepaid.held.${meterId}`;

export function heldAnomalies(store: Store, meterId: string): HeldAnomaly[] {
  return (store.kv.get(key(meterId)) as HeldAnomaly[] | undefined) ?? [];
}

const pendingKey = (meterId: string) => `prepaid.pendingAnomaly.${meterId}`;

/**
 * Reserves the id a jump of `meterId` will be held under if it persists (announced with the streak's
 * first implausible reading). Call inside a unit of work.
 */
export function reserveAnomalyId(store: Store, meterId: string): number {
  const id = store.kv.increment("prepaid.anomalySeq");
  store.kv.set(pendingKey(meterId), id);
  return id;
}

/** Forgets a reserved id: the streak ended with a plausible reading, which charged the energy. */
export function dropReservedAnomalyId(store: Store, meterId: string): void {
  store.kv.delete(pendingKey(meterId));
}

/** Records a held jump under its reserved id (or a new one); returns the id. Call inside a unit of work. */
export function holdAnomaly(store: Store, anomaly: Omit<HeldAnomaly, "id">): number {
  const reserved = store.kv.get(pendingKey(anomaly.meterId)) as number | undefined;
  store.kv.delete(pendingKey(anomaly.meterId));
  const id = reserved ?? store.kv.increment("prepaid.anomalySeq");
  store.kv.set(key(anomaly.meterId), [...heldAnomalies(store, anomaly.meterId), { id, ...anomaly }]);
  return id;
}

/** Removes a held jump once resolved. Call inside a unit of work. */
export function releaseAnomaly(store: Store, meterId: string, id: number): void {
  store.kv.set(
    key(meterId),
    heldAnomalies(store, meterId).filter((a) => a.id !== id),
  );
}

const chargedKey = (id: number) => `prepaid.anomalyCharged.${id}`;

/**
 * Remembers which meter a held jump charged by anomaly.resolve belongs to: its ledger entry (ref
 * `anomaly:<id>`) names no reading, and the daily freeze counts it in that meter's amount.
 */
export function noteAnomalyCharge(store: Store, anomaly: HeldAnomaly): void {
  store.kv.set(chargedKey(anomaly.id), anomaly.meterId);
}

/** The meter of a ledger entry's `anomaly:<id>` ref (undefined for any other ref). */
export function anomalyChargeMeter(store: Store, ref: string | null): string | undefined {
  const match = /^anomaly:(\d+)$/.exec(ref ?? "");
  return match === null ? undefined : (store.kv.get(chargedKey(Number(match[1]))) as string | undefined);
}
