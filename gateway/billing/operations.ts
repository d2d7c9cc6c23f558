/**
 * Operations on accounts that arrive as commands (platform over MQTT, or a local technician): top-up,
 * remote cut/restore, keep-power, account settings, tariffs. Each is one unit of work; a refusal
 * changes nothing but its own audit record.
 */
import { applyLimitsPatch, planTariffSet, type LimitsPatch, type TariffConfig } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import type { ExecutorErrorCode } from "../uplink/commands/codes.ts";
import { accountProtectionEvent } from "../uplink/event-specs/index.ts";
import { requesterOf } from "../uplink/commands/local-source.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import { resolveAnomaly, type AnomalyResolution } from "./anomaly-command.ts";
import { setCloseNotAllowed } from "./close-not-allowed.ts";
import type { PrepaidEngine } from "./engine.ts";
import type { OperationResult } from "./operation-result.ts";
import { toProtection } from "./protection.ts";
import { confirmMeterReplacement, type ReplaceConfirmResult } from "./replacement-confirm.ts";
import { restoreModeOf, type PrepaidSettings } from "./settings.ts";
import { storedTimeline, storeTimeline } from "./stored-tariffs.ts";
import { supplyView, type SupplyView } from "./supply-view.ts";
import { AccountLifecycle } from "./lifecycle-ops.ts";
import { liveAccount } from "./balance-commands.ts";
import { applyTopUpCommand, type TopUpCommand, type TopUpResult } from "./topup-command.ts";

export type { OperationResult, TopUpCommand };

export class PrepaidOperations {
  constructor(
    private readonly engine: PrepaidEngine,
    private readonly store: Store,
  ) {}

  private get settings(): PrepaidSettings {
    return this.engine.settings;
  }

  /** Tariff sets and tier counters now (tariff-view.ts: `account.get`, `config.get`, status). */
  get tariffs(): Pick<PrepaidEngine, "tariffView" | "tariffSets"> {
    return this.engine;
  }

  /** Open, close, read, adjust and refund accounts (issue 16). */
  get lifecycle(): AccountLifecycle {
    return new AccountLifecycle(this.engine, this.store);
  }

  knowsAccount(accountId: string): boolean {
    return this.store.accounts.get(accountId) !== undefined;
  }

  /** Credits an account once per purchase count (topup.ts of the domain); refusals are published too. */
  topup(cmd: TopUpCommand): TopUpResult {
    return applyTopUpCommand(this.engine, this.store, cmd);
  }

  /**
   * A remote cut or restore (already authenticated, unexpired and not replayed). The relay operation is
   * queued in this unit of work; its outcome follows as cut.done / restore.done / relay.failed events.
   */
  relay(
    meterId: string,
    action: "cut" | "restore",
    reason: string,
    commandId: string,
  ): OperationResult<{
    meter: string;
    action: "cut" | "restore";
    relayOpId: number;
    state: "queued" | "done";
  }> {
    const accountId = this.settings.meterAccount.get(meterId);
    if (accountId === undefined || !this.engine.metersOf(accountId).includes(meterId)) {
      const message = `no prepaid meter '${meterId}' with a relay`;
      return { ok: false, code: "UNKNOWN_METER", message, details: { meter: meterId } };
    }
    if (this.engine.states.meter(meterId).decision === undefined) {
      return {
        ok: false,
        code: "METER_NOT_READ",
        message: `meter '${meterId}' has not been read yet; try again after its first poll`,
        details: { meter: meterId },
      };
    }
    const account = this.store.accounts.require(accountId);
    if (action === "cut" && account.protection !== null) {
      return {
        ok: false,
        code: "PROTECTED",
        message: `account ${accountId} is protected (${account.protection.reason}): remote cut refused`,
        details: {
          account: accountId,
          reason: account.protection.reason,
          untilMs: account.protection.untilMs,
        },
      };
    }
    const { relayOpIds } = this.engine.apply(meterId, { kind: "remote", action, reason, commandId });
    const queued = relayOpIds[0];
    if (queued !== undefined)
      return { ok: true, result: { meter: meterId, action, relayOpId: queued, state: "queued" } };
    // Nothing to switch (already in that position, or deferred by the relay cap): audit it as such.
    const op = this.store.relayOps.request({
      meterId,
      accountId,
      action,
      reason,
      requestedBy: requesterOf(commandId),
      commandTxId: commandId,
    });
    this.store.relayOps.complete(op.id, {
      result: "refused",
      readback: "unknown",
      detail: "no switching needed now (already in that position or deferred)",
    });
    return { ok: true, result: { meter: meterId, action, relayOpId: op.id, state: "done" } };
  }

  /**
   * Why a local relay test (open, then close again) must not run on this meter now, or undefined when it
   * may: only a prepaid meter with a relay, read at least once, unprotected, with its supply on and no
   * cut announced, standing or disobeyed (a test's restore would otherwise lift that cut).
   */
  relayTestRefusal(meterId: string): { code: ExecutorErrorCode; message: string } | undefined {
    const accountId = this.settings.meterAccount.get(meterId);
    if (accountId === undefined || !this.engine.metersOf(accountId).includes(meterId))
      return { code: "UNKNOWN_METER", message: `no prepaid meter '${meterId}' with a relay` };
    const decision = this.engine.states.peekMeter(meterId).decision;
    if (decision === undefined)
      return { code: "METER_NOT_READ", message: `meter '${meterId}' has not been read yet` };
    const account = this.store.accounts.require(accountId);
    if (account.protection !== null || decision.protection !== false)
      return {
        code: "PROTECTED",
        message: `account ${accountId} is protected (${account.protection?.reason ?? "keep-power"}): no relay test`,
      };
    const busy =
      decision.relay !== "closed"
        ? "its supply is off"
        : decision.notice !== undefined
          ? "a cut is announced"
          : decision.mismatch !== undefined
            ? "its relay does not follow its command"
            : undefined;
    return busy === undefined
      ? undefined
      : { code: "RELAY_TEST_REFUSED", message: `meter '${meterId}': no relay test while ${busy}` };
  }

  /** The meter's money level, keep-power and cut (announced or standing), for people to read. */
  supplyView(meterId: string): SupplyView {
    return supplyView(this.engine.states, this.store, meterId, this.settings.meterAccount.get(meterId));
  }

  /** Keep-power on (with reason and optional end, epoch ms) or off. */
  protect(accountId: string, on: boolean, reason: string, untilMs?: number): OperationResult {
    const live = liveAccount(this.store, accountId); // unknown or closed (account.close): refused
    if ("ok" in live) return live;
    return this.engine.unitOfWork((queued) => {
      const protection = on ? { reason, untilMs: untilMs ?? null } : null;
      this.store.accounts.updateSettings(accountId, { protection });
      for (const meterId of this.engine.metersOf(accountId)) {
        this.engine.decideFor(meterId, { kind: "protect", protection: toProtection(protection) }, queued);
      }
      if (this.engine.metersOf(accountId).length === 0) {
        recordEvent(this.store, accountProtectionEvent(accountId, on, reason, untilMs));
      }
      return { ok: true, result: { account: accountId, protected: on } };
    });
  }

  /**
   * Changes thresholds (decimal yuan strings) and/or the tariff of an account. Limits that would break a
   * rule of limits.ts (the config file's rules) are refused with THRESHOLD_INVALID and change nothing.
   */
  accountSet(
    accountId: string,
    patch: LimitsPatch & { tariff?: string; restoreMode?: "direct" | "allow-close" },
  ): OperationResult {
    const account = liveAccount(this.store, accountId);
    if ("ok" in account) return account;
    if (patch.tariff !== undefined && !this.settings.tariffs.has(patch.tariff)) {
      return {
        ok: false,
        code: "UNKNOWN_TARIFF",
        message: `no tariff '${patch.tariff}'`,
        details: { tariff: patch.tariff, tariffs: [...this.settings.tariffs.keys()] },
      };
    }
    const { tariff, restoreMode, ...limitsPatch } = patch;
    const update = applyLimitsPatch(account.thresholds, limitsPatch);
    if (!update.ok)
      return {
        ok: false,
        code: "THRESHOLD_INVALID",
        message: update.message,
        details: { rule: update.message },
      };
    return this.engine.unitOfWork((queued) => {
      this.store.accounts.updateSettings(accountId, {
        thresholds: update.changed,
        ...(tariff === undefined ? {} : { tariffId: tariff }),
        ...(restoreMode === undefined ? {} : { extras: { ...account.extras, restoreMode } }),
      });
      this.engine.balanceChanged(accountId, account.balanceE7, queued);
      return { ok: true, result: { account: accountId } };
    });
  }

  /** Sets or lifts an account's "close not allowed" at `nowMs`. */
  closeNotAllowed(accountId: string, on: boolean, reason: string, nowMs: number) {
    return setCloseNotAllowed(this.engine, this.store, { accountId, on, reason, nowMs });
  }

  /** The account's restore mode (as set by account.set, else as configured, else direct). */
  accountRestoreMode(accountId: string): "direct" | "allow-close" {
    const account = this.store.accounts.require(accountId);
    return restoreModeOf({ ...this.settings, meterRestoreModes: new Map() }, "", account);
  }

  /** Resolves a held energy jump: `charge` bills it over its interval, `waive` never; audited, on billing. */
  anomalyResolve(
    meterId: string,
    anomalyId: number,
    action: "charge" | "waive",
    reason: string,
  ): OperationResult<AnomalyResolution> {
    return resolveAnomaly(this.engine, this.store, { meterId, anomalyId, action, reason });
  }

  /** Confirms a meter's pending replacement by the new meter's serial (replacement.ts). */
  meterReplaceConfirm(
    meterId: string,
    serial: number,
    reason: string,
  ): OperationResult<ReplaceConfirmResult> {
    return confirmMeterReplacement(this.engine, this.store, { meterId, serial, reason });
  }

  /**
   * Adds or replaces a tariff (validated config shape) as its current or next set, in force from
   * `when.effectiveFromMs` (epoch ms; default `when.nowMs`); prepaid/tariff-sets.ts decides which set
   * and refuses (TARIFF_IN_FORCE) to replace a version that already took effect. Energy used before a
   * change keeps the old price (stored-tariffs.ts).
   */
  tariffSet(
    tariff: TariffConfig,
    when: { nowMs: number; effectiveFromMs?: number | undefined },
  ): OperationResult<TariffSetResult> {
    const timeline = storedTimeline(this.store, this.settings, tariff.id);
    const plan = planTariffSet<unknown>(timeline, tariff, when.nowMs, when.effectiveFromMs);
    if (plan.kind === "refuse") {
      const { effectiveFromMs, inForceSinceMs, earliestMs } = plan;
      return {
        ok: false,
        code: "TARIFF_IN_FORCE",
        message: `effectiveFrom ${effectiveFromMs} is not after ${inForceSinceMs}, when the version of '${tariff.id}' in force took effect`,
        details: { tariff: tariff.id, effectiveFrom: effectiveFromMs, inForceSinceMs, earliestMs },
      };
    }
    this.engine.unitOfWork(() => {
      const { latest, earlier } = storeTimeline(this.store, tariff.id, plan.timeline);
      // In force once stored for good: the command handler's transaction around this may still roll back.
      this.store.afterCommit(() => this.engine.useTariff(tariff.id, latest, earlier));
    });
    const { effectiveFromMs, set, replacedNextFromMs } = plan;
    return {
      ok: true,
      result: {
        tariff: tariff.id,
        effectiveFromMs,
        set,
        ...(replacedNextFromMs === undefined ? {} : { replacedNextFromMs }),
      },
    };
  }
}

/** What `tariff.set` did: which set the version became, from when, and the next set it replaced. */
export interface TariffSetResult {
  readonly tariff: string;
  readonly effectiveFromMs: number;
  readonly set: "current" | "next";
  readonly replacedNextFromMs?: number;
}

/** UNKNOWN_ACCOUNT for `accountId`. */
export function unknownAccount(accountId: string): {
  ok: false;
  code: "UNKNOWN_ACCOUNT";
  message: string;
  details: Record<string, unknown>;
} {
  return {
    ok: false,
    code: "UNKNOWN_ACCOUNT",
    message: `no account '${accountId}'`,
    details: { account: accountId },
  };
}
