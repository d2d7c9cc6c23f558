/**
 * Billing of one stored reading of a metered account: the meter's identity is checked, the reading is
 * assessed for plausibility (held, rebased or charged, clock-check.ts and anomaly.ts), a charge is posted
 * to the ledger once per reading, and the relay position it carries is fed to the meter's decision.
 * Runs inside the engine's unit of work.
 */
import type { Reading } from "../metering/reading.ts";
import {
  assessReading,
  chargeEnergy,
  initialDecisionState,
  nextHoldStreak,
  type ReadingVerdict,
} from "../prepaid/index.ts";
import { heldJumpEvent, pendingJumpEvent, readingEvent } from "../uplink/event-specs/index.ts";
import { recordBilling, recordEvent } from "../uplink/outbox-writer.ts";
import { dropReservedAnomalyId, holdAnomaly, reserveAnomalyId } from "./anomalies.ts";
import { chargeParts, money } from "./billing-format.ts";
import type { DecisionContext } from "./meter-decision.ts";
import type { QueuedEffect, UnstampedInput } from "./queued-effects.ts";
import { checkMeterIdentity } from "./replacement.ts";
import type { MeterState } from "./state.ts";
import { toProtection } from "./protection.ts";
import { primaryEnergyWh } from "./transformer.ts";

/** What billing a reading needs of the engine beyond the decision context. */
export interface ChargeContext extends DecisionContext {
  hasRelay(meterId: string): boolean;
  /** The relay command a position polled at `monoMs` was read after (RelayRunner.commandBefore). */
  commandBefore(meterId: string, monoMs: number): number;
  decideFor(meterId: string, input: UnstampedInput, queued: QueuedEffect[]): void;
  /** `meterId`: the meter whose reading was charged. */
  balanceChanged(accountId: string, balanceE7: number, queued: QueuedEffect[], meterId: string): void;
}

interface Billed {
  readonly reading: Reading;
  readonly readingId: number;
  readonly accountId: string;
  readonly energyWh: number;
}

/** Bills one reading of a metered meter (ignored without an account or an energy register). */
export function chargeReading(
  ctx: ChargeContext,
  reading: Reading,
  readingId: number,
  queued: QueuedEffect[],
): void {
  const accountId = ctx.settings.meterAccount.get(reading.meterId);
  const energyWh = reading.values.importEnergyWh;
  if (accountId === undefined || energyWh === undefined) return;
  const billed: Billed = { reading, readingId, accountId, energyWh };
  const verdict = assess(ctx, billed);
  if (verdict.kind === "charge" && verdict.deltaWh > 0) charge(ctx, billed, verdict, queued);
  feedRelayPosition(ctx, billed, queued);
}

/** Identity check and plausibility: updates the meter's track and hold streak, records their events. */
function assess(ctx: ChargeContext, billed: Billed): ReadingVerdict {
  const { reading, accountId, energyWh } = billed;
  const subject = { meterId: reading.meterId, accountId };
  const meterState = ctx.state.meter(reading.meterId);
  const serial = reading.values.serialNumber;
  checkMeterIdentity(ctx.store, meterState, { serial, energyWh, wallMs: reading.wallMs }, subject);
  const assessment = assessReading(
    meterState.track,
    {
      energyWh,
      wallMs: reading.wallMs,
      monoMs: reading.monoMs,
      run: ctx.run,
      powerW: reading.values.powerW,
      currentA: reading.values.currentA,
    },
    ctx.settings.readingLimits.get(reading.meterId),
  );
  const baselineWallMs = meterState.track?.wallMs;
  meterState.track = assessment.track;
  const held = nextHoldStreak(meterState.held, assessment.verdict, reading.wallMs);
  if (held === undefined && meterState.held !== undefined) dropReservedAnomalyId(ctx.store, reading.meterId);
  if (held === undefined) delete meterState.held;
  else meterState.held = held;
  for (const e of assessment.events) {
    const spec = readingEvent(e, subject);
    if (e.kind === "energy-rebased" && e.reason === "persistent-jump") {
      // A confirmed implausible jump: held until a command charges or waives it (anomaly.resolve).
      const anomalyId = holdAnomaly(ctx.store, {
        ...subject,
        energyWh: e.toWh - e.fromWh,
        fromMs: baselineWallMs ?? reading.wallMs,
        toMs: reading.wallMs,
      });
      recordEvent(ctx.store, heldJumpEvent(spec, anomalyId));
    } else if (e.kind === "energy-spike") {
      recordEvent(ctx.store, pendingJumpEvent(spec, reserveAnomalyId(ctx.store, reading.meterId)));
    } else {
      recordEvent(ctx.store, spec);
    }
  }
  return assessment.verdict;
}

/** Posts the charge of a counted energy delta once per reading and publishes it. */
function charge(
  ctx: ChargeContext,
  billed: Billed,
  verdict: Extract<ReadingVerdict, { kind: "charge" }>,
  queued: QueuedEffect[],
): void {
  const { reading, readingId, accountId } = billed;
  const account = ctx.store.accounts.require(accountId);
  const tariff = ctx.settings.tariffs.get(account.tariffId ?? "");
  if (tariff === undefined) throw new Error(`account ${accountId} has no known tariff '${account.tariffId}'`);
  const accountState = ctx.state.account(accountId);
  const ratio = ctx.settings.meterRatios?.get(reading.meterId);
  const energyWh = primaryEnergyWh(verdict.deltaWh, ratio);
  const charged = chargeEnergy({
    tariff,
    earlier: ctx.settings.tariffHistory?.get(account.tariffId ?? ""),
    timeZone: ctx.settings.timeZone,
    fromMs: verdict.fromMs,
    toMs: verdict.toMs,
    energyWh,
    usage: accountState.usage,
  });
  const { entry, duplicate } = ctx.store.ledger.chargeReading({
    accountId,
    kind: "charge",
    amountE7: -charged.amountE7,
    readingId,
    tariffParts: charged.parts,
  });
  if (duplicate) return;
  if (charged.usage !== undefined) accountState.usage = charged.usage;
  recordBilling(ctx.store, `charge:${readingId}`, {
    kind: "charge",
    accountId,
    meterId: reading.meterId,
    readingId,
    energyWh,
    amount: money(charged.amountE7),
    balance: money(entry.balanceAfterE7),
    parts: chargeParts(charged.parts),
    ...(ratio === undefined ? {} : { rawEnergyWh: verdict.deltaWh, ...ratio }),
  });
  ctx.balanceChanged(accountId, entry.balanceAfterE7, queued, reading.meterId);
}

/** A polled relay position starts the meter's decision, or is a read-back for it. */
function feedRelayPosition(ctx: ChargeContext, billed: Billed, queued: QueuedEffect[]): void {
  const { reading, accountId } = billed;
  if (reading.relayClosed === undefined || !ctx.hasRelay(reading.meterId)) return;
  const position = reading.relayClosed ? "closed" : "open";
  const meterState: MeterState = ctx.state.meter(reading.meterId);
  if (meterState.decision === undefined) {
    const account = ctx.store.accounts.require(accountId);
    const currentA = loadOf(reading);
    meterState.decision = {
      ...initialDecisionState({
        balanceE7: account.balanceE7,
        relay: position,
        protection: toProtection(account.protection),
        arrearsCut: position === "open" && account.balanceE7 <= -account.thresholds.overdraftLimitE7,
      }),
      ...(currentA === undefined ? {} : { loadA: currentA }),
    };
    ctx.decideFor(reading.meterId, { kind: "tick" }, queued);
  } else {
    // The decision ignores the position if the poll read it before the latest command was written.
    const afterCommand = ctx.commandBefore(reading.meterId, reading.monoMs);
    const currentA = loadOf(reading);
    ctx.decideFor(
      reading.meterId,
      { kind: "readBack", position, afterCommand, ...(currentA === undefined ? {} : { currentA }) },
      queued,
    );
  }
}

/** The largest current the reading reports (single-phase or per phase), A; undefined: none reported. */
function loadOf(reading: Reading): number | undefined {
  const { currentA, currentL1A, currentL2A, currentL3A } = reading.values;
  const currents = [currentA, currentL1A, currentL2A, currentL3A].filter(
    (a): a is number => a !== undefined && Number.isFinite(a),
  );
  return currents.length === 0 ? undefined : Math.max(...currents);
}
