/**
 * Test support: a {@link CommandExecutor} backed by the real store, with a fixed set of meters. It records
 * every call. Like the prepaid engine, a refused top-up leaves a billing record with status `refused`
 * and nothing else.
 */
import { applyLimitsPatch } from "../../prepaid/limits.ts";
import type { Store } from "../../store/index.ts";
import type { ExecutorErrorCode } from "../commands/codes.ts";
import type { CommandContext, CommandExecutor, CommandOutcome } from "../commands/executor.ts";
import { enqueueRecord } from "../outbox-writer.ts";

/** 1e-7 yuan -> "12.3456789" style decimal string (trailing zeros kept to 2 decimals). */
export function yuanFromE7(e7: number): string {
  const sign = e7 < 0 ? "-" : "";
  const abs = Math.abs(e7);
  const whole = Math.trunc(abs / 1e7);
  const fraction = String(abs % 1e7)
    .padStart(7, "0")
    .replace(/0{1,5}$/, "");
  return `${sign}${whole}.${fraction}`;
}

const refuse = (
  code: ExecutorErrorCode,
  message: string,
): { ok: false; code: ExecutorErrorCode; message: string } => ({
  ok: false,
  code,
  message,
});

export interface ExecutorCall {
  readonly command: string;
  readonly params: unknown;
  readonly context: CommandContext;
}

export class TestExecutor implements CommandExecutor {
  readonly calls: ExecutorCall[] = [];
  /** When set, the next mutation throws after writing (a crash inside the unit of work). */
  throwNext = false;
  /** How long meter.read takes, ms (real time). */
  readDelayMs = 0;

  constructor(
    private readonly store: Store,
    private readonly meterIds: ReadonlySet<string>,
  ) {}

  private record(command: string, params: unknown, context: CommandContext): void {
    this.calls.push({ command, params, context });
  }

  private maybeThrow(): void {
    if (!this.throwNext) return;
    this.throwNext = false;
    throw new Error("executor crashed");
  }

  readonly topup: CommandExecutor["topup"] = (p, context) => {
    this.record("topup", p, context);
    const account = this.store.accounts.get(p.account);
    if (account === undefined) return refuse("UNKNOWN_ACCOUNT", `no account ${p.account}`);
    const balance = yuanFromE7(account.balanceE7);
    if (p.purchaseSeq === account.lastPurchaseSeq) {
      return {
        ok: true,
        result: { status: "duplicate", account: p.account, purchaseSeq: p.purchaseSeq, balance },
      };
    }
    if (p.purchaseSeq !== account.lastPurchaseSeq + 1) {
      return refuse("TOPUP_GAP", `purchase ${account.lastPurchaseSeq + 1} is missing`);
    }
    if (account.balanceE7 + p.amountFen * 100_000 > account.thresholds.hoardingLimitE7) {
      enqueueRecord(this.store.outbox, "billing", `topup-refused:${context.transaction}`, {
        kind: "topup",
        status: "refused",
        accountId: p.account,
        purchaseSeq: p.purchaseSeq,
        paymentRef: p.paymentRef,
        amountFen: p.amountFen,
        balance,
        reason: "hoarding limit",
        source: "uplink",
      });
      return refuse("TOPUP_HOARDING_LIMIT", "balance would exceed the hoarding limit");
    }
    const entry = this.store.ledger.post({
      accountId: p.account,
      kind: "topup",
      amountE7: p.amountFen * 100_000,
      purchaseSeq: p.purchaseSeq,
      ref: context.transaction,
    });
    this.maybeThrow();
    const after = yuanFromE7(entry.balanceAfterE7);
    enqueueRecord(this.store.outbox, "billing", `topup:${p.account}:${p.purchaseSeq}`, {
      kind: "topup",
      status: "applied",
      accountId: p.account,
      purchaseSeq: p.purchaseSeq,
      paymentRef: p.paymentRef,
      amountFen: p.amountFen,
      balance: after,
      source: "uplink",
    });
    return {
      ok: true,
      result: { status: "applied", account: p.account, purchaseSeq: p.purchaseSeq, balance: after },
    };
  };

  readonly relay: CommandExecutor["relay"] = (p, context) => {
    this.record("relay", p, context);
    if (!this.meterIds.has(p.meter)) return refuse("UNKNOWN_METER", `no meter ${p.meter}`);
    const op = this.store.relayOps.request({
      meterId: p.meter,
      action: p.action,
      reason: p.reason,
      requestedBy: "platform",
      commandTxId: context.transaction,
    });
    this.maybeThrow();
    return { ok: true, result: { meter: p.meter, action: p.action, relayOpId: op.id, state: "queued" } };
  };

  readonly protect: CommandExecutor["protect"] = (p, context) => {
    this.record("protect", p, context);
    if (this.store.accounts.get(p.account) === undefined)
      return refuse("UNKNOWN_ACCOUNT", `no account ${p.account}`);
    const until = p.until ?? null;
    this.store.accounts.updateSettings(p.account, {
      protection: p.on ? { reason: p.reason, untilMs: until } : null,
    });
    return { ok: true, result: { account: p.account, on: p.on, until: p.on ? until : null } };
  };

  readonly accountSet: CommandExecutor["accountSet"] = (p, context) => {
    this.record("account.set", p, context);
    if (this.store.accounts.get(p.account) === undefined)
      return refuse("UNKNOWN_ACCOUNT", `no account ${p.account}`);
    const { account, tariff, ...patch } = p;
    const update = applyLimitsPatch(this.store.accounts.get(account)!.thresholds, patch);
    if (!update.ok) return refuse("THRESHOLD_INVALID", update.message);
    const a = this.store.accounts.updateSettings(account, {
      thresholds: update.changed,
      ...(tariff === undefined ? {} : { tariffId: tariff }),
    });
    const t = a.thresholds;
    return {
      ok: true,
      result: {
        account: a.id,
        tariff: a.tariffId,
        alarm1: yuanFromE7(t.alarm1E7),
        alarm2: yuanFromE7(t.alarm2E7),
        overdraftLimit: yuanFromE7(t.overdraftLimitE7),
        hoardingLimit: yuanFromE7(t.hoardingLimitE7),
        closeAllowedMin: yuanFromE7(t.closeAllowedMinE7),
      },
    };
  };

  readonly tariffSet: CommandExecutor["tariffSet"] = (p, context) => {
    this.record("tariff.set", p, context);
    const { id, kind } = p.tariff;
    if (!["flat", "tou", "tiered"].includes(kind))
      return refuse("TARIFF_INVALID", `unknown tariff kind '${kind}'`);
    const stored = this.store.tariffs.upsert(id, kind, p.tariff);
    return { ok: true, result: { tariff: id, kind, updatedAtMs: stored.updatedAtMs } };
  };

  readonly anomalyResolve: CommandExecutor["anomalyResolve"] = (p, context) => {
    this.record("anomaly.resolve", p, context);
    if (!this.meterIds.has(p.meter)) return refuse("UNKNOWN_METER", `no meter ${p.meter}`);
    if (p.anomaly !== 1) return refuse("UNKNOWN_ANOMALY", `no held anomaly ${p.anomaly} on ${p.meter}`);
    return {
      ok: true,
      result: {
        meter: p.meter,
        anomaly: p.anomaly,
        action: p.action,
        energyWh: 5000,
        amount: "0.00",
        balance: "10.00",
      },
    };
  };

  readonly meterReplaceConfirm: CommandExecutor["meterReplaceConfirm"] = (p, context) => {
    this.record("meter.replace.confirm", p, context);
    if (!this.meterIds.has(p.meter)) return refuse("UNKNOWN_METER", `no meter ${p.meter}`);
    return {
      ok: true,
      result: { meter: p.meter, oldSerial: 111, newSerial: p.serial, oldEnergyWh: 5000, newEnergyWh: 0 },
    };
  };

  readonly meterRead: CommandExecutor["meterRead"] = async (p, context) => {
    this.record("meter.read", p, context);
    if (!this.meterIds.has(p.meter)) return refuse("UNKNOWN_METER", `no meter ${p.meter}`);
    if (this.readDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.readDelayMs));
    const outcome: CommandOutcome<{
      meter: string;
      reading: { wallMs: number; monoMs: number; values: Record<string, number> };
    }> = {
      ok: true,
      result: {
        meter: p.meter,
        reading: { wallMs: context.receivedAtMs, monoMs: 0, values: { importEnergyWh: 123_456 } },
      },
    };
    return outcome;
  };

  readonly timeCheck: CommandExecutor["timeCheck"] = (p, context) => {
    this.record("time.check", p, context);
    return {
      ok: true,
      result: {
        wallMs: context.receivedAtMs,
        timeZone: "Asia/Shanghai",
        skewMs: context.receivedAtMs - context.issuedAtMs,
        clock: "ok",
      },
    };
  };

  readonly configGet: CommandExecutor["configGet"] = (p, context) => {
    this.record("config.get", p, context);
    return { ok: true, result: { config: { gateway: { id: "test" }, meters: [...this.meterIds] } } };
  };
}
