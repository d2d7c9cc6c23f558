/**
 * The prepaid engine: charges every reading's energy exactly once, raises alarms, and drives the relay
 * through the pure cutoff decision. Every state change commits in one SQLite transaction with the
 * events and outbox records it causes; relay operations and wakes run after the outermost commit (never
 * after a rollback) and are audited.
 */
import { randomUUID } from "node:crypto";
import { wholeMs, type Clock, type TimerHandle } from "../../../core/clock.ts";
import type { Logger } from "../../../core/logger.ts";
import type { Reading } from "../../metering/reading.ts";
import type { Store } from "../../store/index.ts";
import {
  assessReading,
  chargeEnergy,
  decide,
  evaluateThresholds,
  initialDecisionState,
  moneyStateOf,
  nextHoldStreak,
  type DecisionConfig,
  type DecisionInput,
  type Protection,
  compileTariff,
  tariffConfigSchema,
  type Tariff,
} from "../../prepaid/index.ts";
import { effectEvent, readingEvent, thresholdEvent } from "./event-map.ts";
import { recordBilling, recordEvent } from "../../uplink/outbox-writer.ts";
import { chargeParts, money } from "./billing-format.ts";
import type { PrepaidSettings } from "./settings.ts";
import { EngineState } from "./state.ts";
import { holdAnomaly } from "./anomalies.ts";
import { seedAccounts } from "./seed.ts";
import { RelayRunner, type RelayAct, type RelayPort } from "./relay-runner.ts";
import { checkMeterIdentity } from "./replacement.ts";
import { meterBillingHealth, type MeterBillingHealth } from "./meter-health.ts";

export type { RelayPort };

type Act = RelayAct | { kind: "wake"; meterId: string; atMs: number };
type Clocked<T> = T extends unknown ? Omit<T, "wallMs" | "monoMs" | "run"> : never;

export interface PrepaidEngineDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  settings: PrepaidSettings;
  relay: RelayPort;
  /** Whether a meter has a relay the engine may drive. */
  hasRelay: (meterId: string) => boolean;
}

export class PrepaidEngine {
  private readonly state: EngineState;
  private readonly wakes = new Map<string, TimerHandle>();
  private readonly relays: RelayRunner;
  private stopped = false;
  private current: PrepaidSettings;
  /**
   * This run of the engine, stamped on every clock sample it keeps: monotonic time restarts with the
   * process, so samples of an earlier run are compared by wall time only (clock-check.ts).
   */
  private readonly run = randomUUID();

  constructor(private readonly deps: PrepaidEngineDeps) {
    this.current = deps.settings;
    this.state = new EngineState(deps.store);
    this.relays = new RelayRunner(deps, (meterId, position, afterCommand) =>
      this.unitOfWork((acts) => this.decideFor(meterId, { kind: "readBack", position, afterCommand }, acts)),
    );
  }

  /** Compiled settings in force (replaced by a config reload). */
  get settings(): PrepaidSettings {
    return this.current;
  }

  /**
   * Seeds accounts and tariffs from config, then re-evaluates every known decision (restart). Tariffs
   * set by command since are in the store and win over the config's first version.
   */
  start(): void {
    this.unitOfWork((acts) => {
      seedAccounts(this.deps.store, this.settings);
      this.loadStoredTariffs();
      for (const meterId of this.settings.meterAccount.keys()) this.resume(meterId, acts);
    });
  }

  /** Resolves when the relay operations queued so far have finished (tests, shutdown). */
  stopRelaysIdle(): Promise<void> {
    return this.relays.idle();
  }

  /** Applies reloaded settings: new accounts are seeded, every decision is re-evaluated. */
  replaceSettings(settings: PrepaidSettings): void {
    this.current = settings;
    this.unitOfWork((acts) => {
      seedAccounts(this.deps.store, settings);
      this.loadStoredTariffs();
      for (const meterId of settings.meterAccount.keys()) this.resume(meterId, acts);
    });
  }

  /**
   * Re-evaluates a meter's stored decision. Relay commands it numbered before this process (or before
   * the meter was configured again) are over: positions read from now on count as read after them.
   */
  private resume(meterId: string, acts: Act[]): void {
    const decision = this.state.meter(meterId).decision;
    if (decision === undefined) return;
    this.relays.baseline(meterId, decision.relayCommand ?? 0);
    this.decideFor(meterId, { kind: "tick" }, acts);
  }

  private loadStoredTariffs(): void {
    const tariffs = this.current.tariffs as Map<string, Tariff>;
    for (const stored of this.deps.store.tariffs.list()) {
      const parsed = tariffConfigSchema.safeParse(stored.definition);
      if (parsed.success) tariffs.set(stored.id, compileTariff(parsed.data));
      else
        this.deps.logger.error({ tariff: stored.id }, "stored tariff is invalid; keeping the configured one");
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const handle of this.wakes.values()) this.deps.clock.clearTimeout(handle);
    this.wakes.clear();
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
    this.unitOfWork((acts) => {
      for (const { reading, readingId } of metered) this.chargeReading(reading, readingId, acts);
    });
  }

  /** The engine's per-meter and per-account state (for operations inside a unit of work). */
  get states(): EngineState {
    return this.state;
  }

  /** Held readings, held jumps, a disobeying relay and an unconfirmed replacement of a meter. */
  meterHealth(meterId: string): MeterBillingHealth {
    return meterBillingHealth(this.deps.store, meterId, this.state.peekMeter(meterId));
  }

  /** Balance of an account, 1e-7 yuan, or undefined for an unknown account. */
  balanceE7(accountId: string): number | undefined {
    return this.deps.store.accounts.get(accountId)?.balanceE7;
  }

  /**
   * Applies an input to a meter's decision (remote commands, protection changes, ticks). Returns the
   * relay operations it queued.
   */
  apply(meterId: string, input: Clocked<DecisionInput>): { relayOpIds: number[] } {
    return this.unitOfWork((acts) => {
      this.decideFor(meterId, input, acts);
      return { relayOpIds: acts.flatMap((a) => (a.kind === "relay" ? [a.opId] : [])) };
    });
  }

  /**
   * Runs `fn` in one unit of work with the engine state. Its relay and wake acts are carried out after
   * the OUTERMOST commit: called inside a caller's transaction (a command handler's), this is only a
   * savepoint, and the caller may still roll back. Any rollback around it drops the acts and the cached
   * engine state, which would otherwise run ahead of the database.
   */
  unitOfWork<T>(fn: (acts: Act[]) => T): T {
    const store = this.deps.store;
    return store.transaction(() => {
      store.onRollback(() => this.state.discard());
      const acts: Act[] = [];
      const value = fn(acts);
      this.state.persist();
      if (acts.length > 0) store.afterCommit(() => this.carryOut(acts));
      return value;
    });
  }

  /** Called inside a unit of work after a balance change: alarms, then every relay meter decides. */
  balanceChanged(accountId: string, balanceE7: number, acts: Act[], topupAmountE7?: number): void {
    const account = this.deps.store.accounts.require(accountId);
    const accountState = this.state.account(accountId);
    const result = evaluateThresholds(accountState.flags, balanceE7, account.thresholds);
    accountState.flags = result.flags;
    for (const e of result.events) recordEvent(this.deps.store, thresholdEvent(e, { accountId }));
    if (result.events.length > 0) {
      recordBilling(
        this.deps.store,
        `balance:${accountId}:${this.deps.store.kv.increment("prepaid.balanceSeq")}`,
        {
          kind: "balance",
          accountId,
          balance: money(balanceE7),
          moneyState: moneyStateOf(balanceE7, account.thresholds),
        },
      );
    }
    for (const meterId of this.metersOf(accountId)) {
      const input: Clocked<DecisionInput> =
        topupAmountE7 === undefined
          ? { kind: "balance", balanceE7 }
          : { kind: "topup", balanceE7, amountE7: topupAmountE7 };
      this.decideFor(meterId, input, acts);
    }
  }

  /** Meters billed to an account that have a relay. */
  metersOf(accountId: string): string[] {
    return (this.settings.accountMeters.get(accountId) ?? []).filter((m) => this.deps.hasRelay(m));
  }

  private chargeReading(reading: Reading, readingId: number, acts: Act[]): void {
    const accountId = this.settings.meterAccount.get(reading.meterId);
    const energyWh = reading.values.importEnergyWh;
    if (accountId === undefined || energyWh === undefined) return;
    const subject = { meterId: reading.meterId, accountId };
    const meterState = this.state.meter(reading.meterId);
    const serial = reading.values.serialNumber;
    checkMeterIdentity(this.deps.store, meterState, { serial, energyWh, wallMs: reading.wallMs }, subject);
    const limits = this.settings.readingLimits.get(reading.meterId);
    const assessment = assessReading(
      meterState.track,
      {
        energyWh,
        wallMs: reading.wallMs,
        monoMs: reading.monoMs,
        run: this.run,
        powerW: reading.values.powerW,
        currentA: reading.values.currentA,
      },
      limits,
    );
    const baselineWallMs = meterState.track?.wallMs;
    meterState.track = assessment.track;
    const held = nextHoldStreak(meterState.held, assessment.verdict, reading.wallMs);
    if (held === undefined) delete meterState.held;
    else meterState.held = held;
    for (const e of assessment.events) {
      const spec = readingEvent(e, subject);
      if (e.kind === "energy-rebased" && e.reason === "persistent-jump") {
        // A confirmed implausible jump: held until a command charges or waives it (anomaly.resolve).
        const anomalyId = holdAnomaly(this.deps.store, {
          meterId: reading.meterId,
          accountId,
          energyWh: e.toWh - e.fromWh,
          fromMs: baselineWallMs ?? reading.wallMs,
          toMs: reading.wallMs,
        });
        recordEvent(this.deps.store, {
          ...spec,
          message: `${spec.message} (anomaly ${anomalyId})`,
          data: { ...spec.data, anomalyId },
        });
      } else {
        recordEvent(this.deps.store, spec);
      }
    }
    const verdict = assessment.verdict;
    if (verdict.kind === "charge" && verdict.deltaWh > 0) {
      const account = this.deps.store.accounts.require(accountId);
      const tariff = this.settings.tariffs.get(account.tariffId ?? "");
      if (tariff === undefined)
        throw new Error(`account ${accountId} has no known tariff '${account.tariffId}'`);
      const accountState = this.state.account(accountId);
      const charge = chargeEnergy({
        tariff,
        timeZone: this.settings.timeZone,
        fromMs: verdict.fromMs,
        toMs: verdict.toMs,
        energyWh: verdict.deltaWh,
        usage: accountState.usage,
      });
      const { entry, duplicate } = this.deps.store.ledger.chargeReading({
        accountId,
        kind: "charge",
        amountE7: -charge.amountE7,
        readingId,
        tariffParts: charge.parts,
      });
      if (!duplicate) {
        if (charge.usage !== undefined) accountState.usage = charge.usage;
        recordBilling(this.deps.store, `charge:${readingId}`, {
          kind: "charge",
          accountId,
          meterId: reading.meterId,
          readingId,
          energyWh: verdict.deltaWh,
          amount: money(charge.amountE7),
          balance: money(entry.balanceAfterE7),
          parts: chargeParts(charge.parts),
        });
        this.balanceChanged(accountId, entry.balanceAfterE7, acts);
      }
    }
    if (reading.relayClosed !== undefined && this.deps.hasRelay(reading.meterId)) {
      const position = reading.relayClosed ? "closed" : "open";
      if (meterState.decision === undefined) {
        const account = this.deps.store.accounts.require(accountId);
        meterState.decision = initialDecisionState({
          balanceE7: account.balanceE7,
          relay: position,
          protection: toProtection(account.protection),
          arrearsCut: position === "open" && account.balanceE7 <= -account.thresholds.overdraftLimitE7,
        });
        this.decideFor(reading.meterId, { kind: "tick" }, acts);
      } else {
        // The decision ignores the position if the poll read it before the latest command was written.
        const afterCommand = this.relays.commandBefore(reading.meterId, reading.monoMs);
        this.decideFor(reading.meterId, { kind: "readBack", position, afterCommand }, acts);
      }
    }
  }

  /** Feeds one input to a meter's decision; records its events, queues its relay and wake acts. */
  decideFor(meterId: string, input: Clocked<DecisionInput>, acts: Act[]): void {
    const meterState = this.state.meter(meterId);
    if (meterState.decision === undefined) return;
    const accountId = this.settings.meterAccount.get(meterId);
    if (accountId === undefined) return;
    const account = this.deps.store.accounts.require(accountId);
    const config: DecisionConfig = {
      overdraftLimitE7: account.thresholds.overdraftLimitE7,
      closeAllowedMinE7: account.thresholds.closeAllowedMinE7,
      policy: this.settings.policy,
      timeZone: this.settings.timeZone,
    };
    const clock = {
      wallMs: wholeMs(this.deps.clock.now()),
      monoMs: wholeMs(this.deps.clock.monotonicMs()),
      run: this.run,
    };
    const result = decide(meterState.decision, { ...input, ...clock }, config);
    meterState.decision = result.state;
    const subject = { meterId, accountId };
    for (const effect of result.effects) {
      const event = effectEvent(effect, subject);
      if (event !== undefined) recordEvent(this.deps.store, event);
      switch (effect.kind) {
        case "executeCut":
        case "restore": {
          const closed = effect.kind === "restore";
          const op = this.deps.store.relayOps.request({
            meterId,
            accountId,
            action: closed ? "restore" : "cut",
            reason:
              effect.redrive === undefined ? effect.reason : `${effect.reason} (re-drive ${effect.redrive})`,
            requestedBy: effect.reason === "remote" ? "platform" : "prepaid",
            ...(input.kind === "remote" ? { commandTxId: input.commandId } : {}),
          });
          acts.push({
            kind: "relay",
            meterId,
            accountId,
            closed,
            reason: effect.reason,
            redrive: effect.redrive,
            opId: op.id,
            command: effect.command,
          });
          break;
        }
        case "scheduleWake":
          acts.push({ kind: "wake", meterId, atMs: effect.atMs });
          break;
        case "announceCut":
        case "cancelCut":
        case "deferCut":
        case "event":
          break;
      }
    }
  }

  private carryOut(acts: readonly Act[]): void {
    if (this.stopped) return;
    for (const act of acts) {
      if (act.kind === "relay") {
        this.relays.run(act);
        continue;
      }
      const clock = this.deps.clock;
      const previous = this.wakes.get(act.meterId);
      if (previous !== undefined) clock.clearTimeout(previous);
      const handle = clock.setTimeout(
        () => {
          this.wakes.delete(act.meterId);
          if (this.stopped) return;
          try {
            this.apply(act.meterId, { kind: "tick" });
          } catch (error) {
            this.deps.logger.error({ err: error, meterId: act.meterId }, "prepaid wake failed");
          }
        },
        Math.max(0, act.atMs - clock.now()),
      );
      this.wakes.set(act.meterId, handle);
    }
  }
}

function toProtection(p: { reason: string; untilMs: number | null } | null): Protection | false {
  return p === null ? false : { reason: p.reason, ...(p.untilMs === null ? {} : { untilMs: p.untilMs }) };
}

export { toProtection };
