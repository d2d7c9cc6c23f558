/**
 * Per-meter and per-account engine state, persisted inside the same unit of work as the change that
 * produced it, so a restart resumes exactly where the last commit left off: a meter's in its row of
 * `meter_states` (the track in columns, the rest as JSON), an account's in the store's kv table.
 */
import type { Store, StoredMeterState, StoredTrack } from "../store/index.ts";
import {
  NO_MONEY_FLAGS,
  type ClockSample,
  type DecisionState,
  type HoldStreak,
  type MeterIdentity,
  type MeterTrack,
  type MoneyFlags,
  type SettlementUsage,
} from "../prepaid/index.ts";

export interface MeterState {
  /** Plausibility baseline of the energy register. */
  track?: MeterTrack;
  /** Cutoff decision state; created at the meter's first reading with a relay position. */
  decision?: DecisionState;
  /** The run of held (uncharged) readings going on now, if any. */
  held?: HoldStreak;
  /** Serial number of the meter at this address, and a replacement awaiting confirmation. */
  identity?: MeterIdentity;
}

export interface AccountState {
  flags: MoneyFlags;
  /** Energy charged in the current tier settlement period. */
  usage?: SettlementUsage;
  /** Amount of the last applied top-up, 1e-7 yuan (a redelivery with another amount is a conflict). */
  lastPurchaseAmountE7?: number;
}

/** `true` when A and B have the same keys; `never` (a compile error where `true` is assigned) otherwise. */
type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : never) : never;
/**
 * The store keeps a track in columns (StoredTrack): a field added to MeterTrack or its clock sample fails
 * to compile here until the store keeps it too, instead of being lost at a restart.
 */
const trackStoredWhole: [SameKeys<MeterTrack, StoredTrack>, SameKeys<ClockSample, StoredTrack["lastClock"]>] =
  [true, true];
void trackStoredWhole;

export class EngineState {
  private readonly meters = new Map<string, MeterState>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly dirtyMeters = new Set<string>();
  private readonly dirtyAccounts = new Set<string>();
  /**
   * The kv value of each cached state as the database holds it (JSON text; absent: no row). Callers
   * mutate the returned objects freely, so anything handed out is written back at persist, but only when
   * its text differs: most accounts and many meters do not change in a given unit of work.
   */
  private readonly stored = new Map<string, string>();
  /**
   * Each cached meter's state as its row holds it (absent: no row): the track by identity (a MeterTrack is
   * replaced, never changed in place) and the rest as JSON text, so the track moving with every charged
   * reading costs no JSON.
   */
  private readonly storedMeters = new Map<string, StoredMeterState>();

  constructor(private readonly store: Store) {}

  meter(meterId: string): MeterState {
    let state = this.meters.get(meterId);
    if (state === undefined) {
      state = this.loadMeter(meterId);
      this.meters.set(meterId, state);
    }
    this.dirtyMeters.add(meterId);
    return state;
  }

  /** A meter's state for reading only (status, health): not marked for writing back. */
  peekMeter(meterId: string): Readonly<MeterState> {
    const cached = this.meters.get(meterId);
    if (cached !== undefined) return cached;
    const state = this.loadMeter(meterId);
    this.meters.set(meterId, state);
    return state;
  }

  account(accountId: string): AccountState {
    let state = this.accounts.get(accountId);
    if (state === undefined) {
      state = (this.load(accountKey(accountId)) as AccountState | undefined) ?? {
        flags: { ...NO_MONEY_FLAGS },
      };
      this.accounts.set(accountId, state);
    }
    this.dirtyAccounts.add(accountId);
    return state;
  }

  /** An account's state for reading only (account.get): not marked for writing back. */
  peekAccount(accountId: string): Readonly<AccountState> {
    const cached = this.accounts.get(accountId);
    if (cached !== undefined) return cached;
    const state = (this.load(accountKey(accountId)) as AccountState | undefined) ?? {
      flags: { ...NO_MONEY_FLAGS },
    };
    this.accounts.set(accountId, state);
    return state;
  }

  /** Forgets a meter's billing track and cut decision (its account was closed, or it is bound anew). */
  resetMeter(meterId: string): void {
    const state = this.meter(meterId);
    delete state.track;
    delete state.decision;
    delete state.held;
  }

  /** Writes what changed; call inside the unit of work. */
  persist(): void {
    for (const id of this.dirtyMeters) this.writeMeter(id, this.meters.get(id)!);
    for (const id of this.dirtyAccounts) this.write(accountKey(id), this.accounts.get(id));
    this.dirtyMeters.clear();
    this.dirtyAccounts.clear();
  }

  /** Drops the cache after a rolled-back unit of work, so memory never runs ahead of the database. */
  discard(): void {
    this.meters.clear();
    this.accounts.clear();
    this.dirtyMeters.clear();
    this.dirtyAccounts.clear();
    this.stored.clear();
    this.storedMeters.clear();
  }

  private loadMeter(meterId: string): MeterState {
    const row = this.store.meterStates.get(meterId);
    if (row === undefined) {
      this.storedMeters.delete(meterId);
      return {};
    }
    this.storedMeters.set(meterId, row);
    const state = JSON.parse(row.otherJson) as MeterState;
    if (row.track !== undefined) state.track = row.track;
    return state;
  }

  private writeMeter(meterId: string, state: MeterState): void {
    const { track, ...other } = state;
    const stored = this.storedMeters.get(meterId);
    const otherJson = JSON.stringify(other);
    if (stored !== undefined && stored.track === track && stored.otherJson === otherJson) return;
    this.store.meterStates.put(meterId, track, otherJson);
    this.storedMeters.set(meterId, { track, otherJson });
  }

  private load(key: string): unknown {
    const json = this.store.kv.getJson(key);
    if (json === undefined) {
      this.stored.delete(key);
      return undefined;
    }
    this.stored.set(key, json);
    return JSON.parse(json) as unknown;
  }

  private write(key: string, state: MeterState | AccountState | undefined): void {
    const json = JSON.stringify(state);
    if (this.stored.get(key) === json) return;
    this.store.kv.setJson(key, json);
    this.stored.set(key, json);
  }
}

function accountKey(accountId: string): string {
  return `prepaid.account.${accountId}`;
}
