/**
 * The prepaid engine (billing): charges each stored reading of a metered account exactly once, raises
 * alarms, and drives the relay through the pure cutoff decision. Every state change commits in one
 * SQLite transaction with the events and outbox records it causes; relay operations and wakes are
 * queued and run after the outermost commit (never after a rollback), and are audited. Readings reach
 * it from the ingest stage (ingest/ingest.ts), already stored and queued for the platform.
 */
import { randomUUID } from "node:crypto";
import type { Reading } from "../metering/reading.ts";
import type { Tariff, TariffVersion } from "../prepaid/index.ts";
import type { PrepaidSettings } from "./settings.ts";
import { EngineState } from "./state.ts";
import { seedAccounts } from "./seed.ts";
import { RelayRunner, type RelayPort } from "./relay-runner.ts";
import { meterBillingHealth, type MeterBillingHealth } from "./meter-health.ts";
import { QueuedEffectRunner, type QueuedEffect, type UnstampedInput } from "./queued-effects.ts";
import { decideMeter } from "./meter-decision.ts";
import { chargeReading, type ChargeContext } from "./reading-charge.ts";
import type { PrepaidEngineDeps } from "./engine-deps.ts";
import { recordThresholds } from "./balance-alarms.ts";
import { withStoredTariffs, withTariff } from "./stored-tariffs.ts";
import {
  accountTariffView,
  tariffSetsView,
  type AccountTariffView,
  type TariffSetsView,
  type TariffViewSource,
} from "./tariff-view.ts";
import { withStoredBindings } from "./bindings.ts";

export type { RelayPort };
export type { QueuedEffect, UnstampedInput };
export type { PrepaidEngineDeps };

export class PrepaidEngine {
  private readonly state: EngineState;
  private readonly relays: RelayRunner;
  private readonly effects: QueuedEffectRunner;
  private current: PrepaidSettings;
  /**
   * This run of the engine, stamped on every clock sample it keeps: monotonic time restarts with the
   * process, so samples of an earlier run are compared by wall time only (clock-check.ts).
   */
  private readonly run = randomUUID();

  constructor(private readonly deps: PrepaidEngineDeps) {
    this.current = deps.settings;
    this.state = new EngineState(deps.store);
    this.relays = new RelayRunner(deps, (meterId, position, afterCommand, closeAllowed) =>
      this.unitOfWork((queued) =>
        this.decideFor(
          meterId,
          {
            kind: "readBack",
            position,
            afterCommand,
            ...(closeAllowed === undefined ? {} : { closeAllowed }),
          },
          queued,
        ),
      ),
    );
    this.effects = new QueuedEffectRunner({ ...deps, relays: this.relays }, (meterId) =>
      this.apply(meterId, { kind: "tick" }),
    );
  }

  /** Compiled settings in force (replaced by a config reload or a tariff command, never changed in place). */
  get settings(): PrepaidSettings {
    return this.current;
  }

  /**
   * Seeds accounts and tariffs from config, then re-evaluates every known decision (restart). Tariffs
   * set by command since are in the store and win over the config's first version.
   */
  start(): void {
    this.replaceSettings(this.current);
  }

  /** Resolves when the relay operations queued so far have finished (tests, shutdown). */
  relaysSettled(): Promise<void> {
    return this.relays.idle();
  }

  /** Applies (reloaded) settings: new accounts are seeded, every decision is re-evaluated. */
  replaceSettings(settings: PrepaidSettings): void {
    this.current = settings;
    this.unitOfWork((queued) => {
      for (const accountId of seedAccounts(this.deps.store, settings)) this.showBalance(accountId);
      const tariffed = withStoredTariffs(this.deps.store, this.deps.logger, settings);
      this.current = withStoredBindings(this.deps.store, tariffed, this.deps.logger);
      for (const meterId of this.current.meterAccount.keys()) this.resume(meterId, queued);
    });
  }

  /**
   * Puts a tariff in force. Call after the commit that stored it: a transaction around the command may
   * still roll back before then.
   */
  useTariff(id: string, tariff: Tariff, earlier: readonly TariffVersion[] = []): void {
    this.current = withTariff(this.current, id, tariff, earlier);
  }

  /**
   * Puts the stored meter bindings in force (account.open, account.close). Call after the commit that
   * stored them, like {@link useTariff}.
   */
  useStoredBindings(): void {
    this.current = withStoredBindings(this.deps.store, this.current, this.deps.logger);
  }

  /**
   * Re-evaluates a meter's stored decision. Relay commands it numbered before this process (or before
   * the meter was configured again) are over: positions read from now on count as read after them.
   */
  private resume(meterId: string, queued: QueuedEffect[]): void {
    const decision = this.state.meter(meterId).decision;
    if (decision === undefined) return;
    this.relays.baseline(meterId, decision.relayCommand ?? 0);
    this.decideFor(meterId, { kind: "tick" }, queued);
  }

  /** Every decision looks again now (contact with the platform returned: cuts held by silence may run). */
  reconsider(): void {
    this.unitOfWork((queued) => {
      for (const meterId of this.settings.meterAccount.keys())
        this.decideFor(meterId, { kind: "tick" }, queued);
    });
  }

  async stop(): Promise<void> {
    this.effects.stop();
    await this.relays.idle();
  }

  /**
   * Bills stored readings (ingest/ingest.ts stored and queued them): each reading of a meter that bills
   * to an account is charged once and fed to its relay decision. Joins the caller's unit of work.
   */
  billReadings(readings: readonly Reading[], readingIds: readonly number[]): void {
    const metered = readings.flatMap((reading, i) =>
      this.settings.meterAccount.has(reading.meterId) ? [{ reading, readingId: readingIds[i]! }] : [],
    );
    if (metered.length === 0) return;
    // Part of the ingest's unit of work (stored, queued and billed, or none of it): joined, no savepoint.
    this.unitOfWork((queued) => {
      const ctx = this.chargeContext();
      for (const { reading, readingId } of metered) chargeReading(ctx, reading, readingId, queued);
    }, "join");
  }

  /** The engine's per-meter and per-account state (for operations inside a unit of work). */
  get states(): EngineState {
    return this.state;
  }

  /** Held readings, held jumps, a disobeying relay and an unconfirmed replacement of a meter. */
  meterHealth(meterId: string): MeterBillingHealth {
    return meterBillingHealth(this.deps.store, meterId, this.state.peekMeter(meterId));
  }

  /**
   * Account `accountId`'s current and next tariff sets and its tier counter, now (for `account.get`,
   * `config.get` and status); undefined for an unknown account. Reads only.
   */
  tariffView(accountId: string): AccountTariffView | undefined {
    return accountTariffView(this.tariffViewSource(), accountId);
  }

  /** The current and next sets of every stored tariff, now (for `config.get`). */
  tariffSets(): TariffSetsView[] {
    const source = this.tariffViewSource();
    return this.deps.store.tariffs.list().flatMap((t) => tariffSetsView(source, t.id) ?? []);
  }

  private tariffViewSource(): TariffViewSource {
    const { store, clock } = this.deps;
    const usage = (accountId: string) => this.state.peekAccount(accountId)?.usage;
    return { store, settings: this.settings, usage, nowMs: clock.now() };
  }

  /** Balance of an account, 1e-7 yuan, or undefined for an unknown account. */
  balanceE7(accountId: string): number | undefined {
    return this.deps.store.accounts.get(accountId)?.balanceE7;
  }

  /**
   * Applies an input to a meter's decision (remote commands, protection changes, ticks). Returns the
   * relay operations it queued.
   */
  apply(meterId: string, input: UnstampedInput): { relayOpIds: number[] } {
    return this.unitOfWork((queued) => {
      this.decideFor(meterId, input, queued);
      return { relayOpIds: queued.flatMap((e) => (e.kind === "relay" ? [e.opId] : [])) };
    });
  }

  /**
   * Runs `fn` in one unit of work with the engine state. The relay operations and wakes it queues run
   * after the OUTERMOST commit: called inside a caller's transaction (a command handler's), this is only
   * a savepoint, and the caller may still roll back. Any rollback around it drops them and the cached
   * engine state, which would otherwise run ahead of the database. `nesting: "join"`: inside a caller's
   * transaction, part of it rather than a savepoint (Store.atomic), for callers that are all-or-nothing.
   */
  unitOfWork<T>(fn: (queued: QueuedEffect[]) => T, nesting: "savepoint" | "join" = "savepoint"): T {
    const store = this.deps.store;
    const body = (): T => {
      store.onRollback(() => this.state.discard());
      const queued: QueuedEffect[] = [];
      const value = fn(queued);
      this.state.persist();
      if (queued.length > 0) store.afterCommit(() => this.effects.run(queued));
      return value;
    };
    return nesting === "join" ? store.atomic(body) : store.transaction(body);
  }

  /**
   * Called inside a unit of work after a balance change: alarms, then every relay meter decides; after
   * the commit the account's meters show the new balance. `chargedMeterId`: the meter whose reading was
   * charged (its state goes out with that reading).
   */
  balanceChanged(
    accountId: string,
    balanceE7: number,
    queued: QueuedEffect[],
    topupAmountE7?: number,
    chargedMeterId?: string,
  ): void {
    const store = this.deps.store;
    this.showBalance(accountId, chargedMeterId);
    recordThresholds(
      store,
      this.state.account(accountId),
      accountId,
      balanceE7,
      () => this.metersOf(accountId),
      queued,
    );
    const input: UnstampedInput =
      topupAmountE7 === undefined
        ? { kind: "balance", balanceE7 }
        : { kind: "topup", balanceE7, amountE7: topupAmountE7 };
    for (const meterId of this.metersOf(accountId)) this.decideFor(meterId, input, queued);
  }

  /** After the outermost commit, the account's meters (but `exceptMeterId`) show its new balance. */
  private showBalance(accountId: string, exceptMeterId?: string): void {
    const notify = this.deps.balanceShown;
    if (notify === undefined) return;
    const meterIds = (this.settings.accountMeters.get(accountId) ?? []).filter((m) => m !== exceptMeterId);
    if (meterIds.length > 0) this.deps.store.afterCommit(() => notify(meterIds));
  }

  /** Meters billed to an account that have a relay. */
  metersOf(accountId: string): string[] {
    return (this.settings.accountMeters.get(accountId) ?? []).filter((m) => this.deps.hasRelay(m));
  }

  /** Feeds one input to a meter's decision; records its events, queues its relay operations and wakes. */
  decideFor(meterId: string, input: UnstampedInput, queued: QueuedEffect[]): void {
    const { store, clock } = this.deps;
    decideMeter(
      {
        store,
        clock,
        settings: this.settings,
        state: this.state,
        run: this.run,
        canAllowClose: this.canAllowClose,
        contact: this.deps.contact,
      },
      meterId,
      input,
      queued,
    );
  }

  private readonly canAllowClose = (meterId: string): boolean =>
    this.deps.relay.canAllowClose?.(meterId) ?? false;

  private chargeContext(): ChargeContext {
    const { store, clock, hasRelay } = this.deps;
    return {
      store,
      clock,
      settings: this.settings,
      state: this.state,
      run: this.run,
      canAllowClose: this.canAllowClose,
      contact: this.deps.contact,
      hasRelay,
      commandBefore: (meterId, monoMs) => this.relays.commandBefore(meterId, monoMs),
      decideFor: (meterId, input, queued) => this.decideFor(meterId, input, queued),
      balanceChanged: (accountId, balanceE7, queued, meterId) =>
        this.balanceChanged(accountId, balanceE7, queued, undefined, meterId),
    };
  }
}
