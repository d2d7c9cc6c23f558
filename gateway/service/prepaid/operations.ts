/**
 * Operations on accounts that arrive as commands (platform over MQTT, or a local technician): top-up,
 * remote cut/restore, keep-power, account settings, tariffs. Each is one unit of work; a refusal
 * changes nothing but its own audit record.
 */
import {
  applyLimitsPatch,
  applyTopUp,
  chargeEnergy,
  compileTariff,
  fenToE7,
  type LimitsPatch,
  type TariffConfig,
} from "../../prepaid/index.ts";
import type { Store } from "../../store/index.ts";
import type { ExecutorErrorCode } from "../../uplink/commands/codes.ts";
import type { PrepaidEngine } from "./engine.ts";
import { toProtection } from "./protection.ts";
import { nextBillingKey, recordBilling, recordEvent } from "../../uplink/outbox-writer.ts";
import { money } from "./billing-format.ts";
import type { PrepaidSettings } from "./settings.ts";
import { heldAnomalies, releaseAnomaly } from "./anomalies.ts";
import { confirmMeterReplacement, type ReplaceConfirmResult } from "./replacement.ts";

/** How an operation went; a refusal's code is one of the documented command error codes (codes.ts). */
export type OperationResult<T = Record<string, unknown>> =
  { ok: true; result: T } | { ok: false; code: ExecutorErrorCode; message: string };

export interface TopUpCommand {
  account: string;
  amountFen: number;
  purchaseSeq: number;
  paymentRef: string;
  source: "uplink" | "local";
}

const refusalCodes = {
  stale: "TOPUP_STALE",
  gap: "TOPUP_GAP",
  conflict: "TOPUP_CONFLICT",
  hoarding: "TOPUP_HOARDING_LIMIT",
  invalid: "TOPUP_INVALID",
} as const;

export class PrepaidOperations {
  constructor(
    private readonly engine: PrepaidEngine,
    private readonly store: Store,
  ) {}

  private get settings(): PrepaidSettings {
    return this.engine.settings;
  }

  knowsAccount(accountId: string): boolean {
    return this.store.accounts.get(accountId) !== undefined;
  }

  topup(cmd: TopUpCommand): OperationResult<{ status: "applied" | "duplicate"; balance: string }> {
    return this.engine.unitOfWork((queued) => {
      const account = this.store.accounts.get(cmd.account);
      if (account === undefined)
        return { ok: false, code: "UNKNOWN_ACCOUNT", message: `no account '${cmd.account}'` };
      const accountState = this.engine.states.account(cmd.account);
      const base = (this.store.kv.get(`prepaid.purchaseBase.${cmd.account}`) as number | undefined) ?? 0;
      const amountE7 = Number.isSafeInteger(cmd.amountFen) && cmd.amountFen > 0 ? fenToE7(cmd.amountFen) : 0;
      const outcome = applyTopUp(
        {
          balanceE7: account.balanceE7,
          lastPurchaseSeq: Math.max(account.lastPurchaseSeq, base),
          lastPurchaseAmountE7: accountState.lastPurchaseAmountE7,
          hoardingLimitE7: account.thresholds.hoardingLimitE7,
        },
        { seq: cmd.purchaseSeq, amountE7 },
      );
      const record = {
        accountId: cmd.account,
        purchaseSeq: cmd.purchaseSeq,
        paymentRef: cmd.paymentRef,
        amountFen: cmd.amountFen,
        source: cmd.source,
      };
      switch (outcome.kind) {
        case "applied": {
          const entry = this.store.ledger.post({
            accountId: cmd.account,
            kind: "topup",
            amountE7: outcome.amountE7,
            purchaseSeq: outcome.seq,
            ref: cmd.paymentRef,
          });
          accountState.lastPurchaseAmountE7 = outcome.amountE7;
          recordBilling(this.store, `topup:${cmd.account}:${outcome.seq}`, {
            kind: "topup",
            status: "applied",
            ...record,
            balance: money(entry.balanceAfterE7),
          });
          this.engine.balanceChanged(cmd.account, entry.balanceAfterE7, queued, outcome.amountE7);
          return { ok: true, result: { status: "applied", balance: money(entry.balanceAfterE7) } };
        }
        case "duplicate":
          recordBilling(
            this.store,
            nextBillingKey(this.store, `topup-duplicate:${cmd.account}:${cmd.purchaseSeq}`),
            {
              kind: "topup",
              status: "duplicate",
              ...record,
              balance: money(account.balanceE7),
            },
          );
          return { ok: true, result: { status: "duplicate", balance: money(account.balanceE7) } };
        case "refused": {
          const message =
            outcome.reason === "gap"
              ? `purchase ${outcome.missingSeq} is missing: deliver it first`
              : outcome.reason === "stale"
                ? `purchase ${cmd.purchaseSeq} is older than the last applied (${outcome.lastPurchaseSeq})`
                : outcome.reason === "hoarding"
                  ? `balance would be ${money(outcome.wouldBeE7)}, above the hoarding limit ${money(outcome.hoardingLimitE7)}`
                  : outcome.reason === "conflict"
                    ? `purchase ${cmd.purchaseSeq} was applied with another amount`
                    : "amount and purchase sequence must be positive whole numbers";
          recordBilling(
            this.store,
            nextBillingKey(this.store, `topup-refused:${cmd.account}:${cmd.purchaseSeq}`),
            {
              kind: "topup",
              status: "refused",
              ...record,
              balance: money(account.balanceE7),
              reason: message,
            },
          );
          return { ok: false, code: refusalCodes[outcome.reason], message };
        }
      }
    });
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
      return { ok: false, code: "UNKNOWN_METER", message: `no prepaid meter '${meterId}' with a relay` };
    }
    if (this.engine.states.meter(meterId).decision === undefined) {
      return {
        ok: false,
        code: "METER_NOT_READ",
        message: `meter '${meterId}' has not been read yet; try again after its first poll`,
      };
    }
    const account = this.store.accounts.require(accountId);
    if (action === "cut" && account.protection !== null) {
      return {
        ok: false,
        code: "PROTECTED",
        message: `account ${accountId} is protected (${account.protection.reason}): remote cut refused`,
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
      requestedBy: "platform",
      commandTxId: commandId,
    });
    this.store.relayOps.complete(op.id, {
      result: "refused",
      readback: "unknown",
      detail: "no switching needed now (already in that position or deferred)",
    });
    return { ok: true, result: { meter: meterId, action, relayOpId: op.id, state: "done" } };
  }

  /** Keep-power on (with reason and optional end, epoch ms) or off. */
  protect(accountId: string, on: boolean, reason: string, untilMs?: number): OperationResult {
    if (!this.knowsAccount(accountId))
      return { ok: false, code: "UNKNOWN_ACCOUNT", message: `no account '${accountId}'` };
    return this.engine.unitOfWork((queued) => {
      const protection = on ? { reason, untilMs: untilMs ?? null } : null;
      this.store.accounts.updateSettings(accountId, { protection });
      for (const meterId of this.engine.metersOf(accountId)) {
        this.engine.decideFor(meterId, { kind: "protect", protection: toProtection(protection) }, queued);
      }
      if (this.engine.metersOf(accountId).length === 0) {
        recordEvent(this.store, {
          type: on ? "protection.on" : "protection.off",
          severity: "info",
          accountId,
          message: on ? `keep-power on: ${reason}` : "keep-power off (released)",
          data: { reason, untilMs: untilMs ?? null },
        });
      }
      return { ok: true, result: { account: accountId, protected: on } };
    });
  }

  /**
   * Changes thresholds (decimal yuan strings) and/or the tariff of an account. Limits that would break a
   * rule of limits.ts (the config file's rules) are refused with THRESHOLD_INVALID and change nothing.
   */
  accountSet(accountId: string, patch: LimitsPatch & { tariff?: string }): OperationResult {
    const account = this.store.accounts.get(accountId);
    if (account === undefined)
      return { ok: false, code: "UNKNOWN_ACCOUNT", message: `no account '${accountId}'` };
    if (patch.tariff !== undefined && !this.settings.tariffs.has(patch.tariff)) {
      return { ok: false, code: "UNKNOWN_TARIFF", message: `no tariff '${patch.tariff}'` };
    }
    const { tariff, ...limitsPatch } = patch;
    const update = applyLimitsPatch(account.thresholds, limitsPatch);
    if (!update.ok) return { ok: false, code: "THRESHOLD_INVALID", message: update.message };
    return this.engine.unitOfWork((queued) => {
      this.store.accounts.updateSettings(accountId, {
        thresholds: update.changed,
        ...(tariff === undefined ? {} : { tariffId: tariff }),
      });
      this.engine.balanceChanged(accountId, account.balanceE7, queued);
      return { ok: true, result: { account: accountId } };
    });
  }

  /**
   * Resolves a held energy jump: `charge` bills it at the account's tariff over the interval it was used
   * in; `waive` never bills it. Either way it is audited, published on billing and no longer held.
   */
  anomalyResolve(
    meterId: string,
    anomalyId: number,
    action: "charge" | "waive",
    reason: string,
  ): OperationResult<{
    meter: string;
    anomaly: number;
    action: "charge" | "waive";
    energyWh: number;
    amount: string;
    balance: string;
  }> {
    const held = heldAnomalies(this.store, meterId).find((a) => a.id === anomalyId);
    if (held === undefined)
      return {
        ok: false,
        code: "UNKNOWN_ANOMALY",
        message: `no held anomaly ${anomalyId} on meter '${meterId}'`,
      };
    return this.engine.unitOfWork((queued) => {
      const account = this.store.accounts.require(held.accountId);
      let amountE7 = 0;
      let balanceE7 = account.balanceE7;
      if (action === "charge") {
        const tariff = this.settings.tariffs.get(account.tariffId ?? "");
        if (tariff === undefined)
          return {
            ok: false as const,
            code: "UNKNOWN_TARIFF",
            message: `account ${held.accountId} has no known tariff`,
          };
        const accountState = this.engine.states.account(held.accountId);
        const charge = chargeEnergy({
          tariff,
          timeZone: this.settings.timeZone,
          fromMs: held.fromMs,
          toMs: held.toMs,
          energyWh: held.energyWh,
          usage: accountState.usage,
        });
        if (charge.usage !== undefined) accountState.usage = charge.usage;
        const entry = this.store.ledger.post({
          accountId: held.accountId,
          kind: "charge",
          amountE7: -charge.amountE7,
          tariffParts: charge.parts,
          ref: `anomaly:${anomalyId}`,
        });
        amountE7 = charge.amountE7;
        balanceE7 = entry.balanceAfterE7;
      }
      releaseAnomaly(this.store, meterId, anomalyId);
      const status = action === "charge" ? "charged" : "waived";
      recordBilling(this.store, `anomaly:${anomalyId}`, {
        kind: "anomaly",
        status,
        anomalyId,
        accountId: held.accountId,
        meterId,
        energyWh: held.energyWh,
        amount: money(amountE7),
        balance: money(balanceE7),
        reason,
      });
      recordEvent(this.store, {
        type: "anomaly.resolved",
        severity: "info",
        meterId,
        accountId: held.accountId,
        message: `held energy jump of ${held.energyWh} Wh ${status} (anomaly ${anomalyId}): ${reason}`,
        data: { anomalyId, action, energyWh: held.energyWh, amount: money(amountE7), reason },
      });
      if (action === "charge") this.engine.balanceChanged(held.accountId, balanceE7, queued);
      return {
        ok: true as const,
        result: {
          meter: meterId,
          anomaly: anomalyId,
          action,
          energyWh: held.energyWh,
          amount: money(amountE7),
          balance: money(balanceE7),
        },
      };
    });
  }

  /** Confirms a meter's pending replacement by the new meter's serial (replacement.ts). */
  meterReplaceConfirm(
    meterId: string,
    serial: number,
    reason: string,
  ): OperationResult<ReplaceConfirmResult> {
    return confirmMeterReplacement(this.engine, this.store, { meterId, serial, reason });
  }

  /** Adds or replaces a tariff (validated config shape). */
  tariffSet(tariff: TariffConfig): OperationResult {
    const compiled = compileTariff(tariff);
    this.engine.unitOfWork(() => {
      this.store.tariffs.upsert(tariff.id, tariff.kind, tariff);
      // In force once stored for good: the command handler's transaction around this may still roll back.
      this.store.afterCommit(() => this.engine.useTariff(tariff.id, compiled));
    });
    return { ok: true, result: { tariff: tariff.id } };
  }
}
