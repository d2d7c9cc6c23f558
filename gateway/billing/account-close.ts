/**
 * `account.close`: the final reading is charged (from the last billed reading to `finalEnergyWh`, at
 * the account's tariff, multiplied by the meter's transformer ratios), the final balance is reported
 * on `billing` (kind `account`, status `closed`) for the platform to settle, the supply is left or cut
 * as `policy.closeSupply` says, and the meters stop billing to the account. One unit of work; a closed
 * account stays closed (its ledger is kept; its id is never reused).
 */
import { chargeEnergy, lifecycleOf } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { recordBilling } from "../uplink/outbox-writer.ts";
import { liveAccount } from "./balance-commands.ts";
import { money } from "./billing-format.ts";
import type { PrepaidEngine } from "./engine.ts";
import type { OperationResult } from "./operation-result.ts";
import { primaryEnergyWh } from "./transformer.ts";

/** An account.close as the platform or a technician sends it. */
export interface CloseCommand {
  readonly account: string;
  /** The meter's import register at removal, Wh (raw); absent: the last billed reading is final. */
  readonly finalEnergyWh?: number | undefined;
  readonly reason: string;
  /** The command's transaction id (a cut at close is audited with it). */
  readonly commandId: string;
}

/** What account.close answers. */
export interface CloseResult {
  account: string;
  closedAtMs: number;
  energyWh: number;
  amount: string;
  finalBalance: string;
  supply: "leave" | "cut";
}

/** Closes the account (see the module comment). */
export function closeAccount(
  engine: PrepaidEngine,
  store: Store,
  cmd: CloseCommand,
): OperationResult<CloseResult> {
  const account = liveAccount(store, cmd.account);
  if ("ok" in account) return account;
  const meters = [...(engine.settings.accountMeters.get(cmd.account) ?? [])];
  if (cmd.finalEnergyWh !== undefined && meters.length !== 1) {
    const problem = `finalEnergyWh needs an account with exactly one meter; ${cmd.account} has ${meters.length}`;
    return { ok: false, code: "AMOUNT_INVALID", message: problem, details: { problem } };
  }
  const supply = lifecycleOf(engine.settings.policy).closeSupply;
  const underLoad = supply === "cut" ? heavyLoadRefusal(engine, cmd.account) : undefined;
  if (underLoad !== undefined) return underLoad;
  return engine.unitOfWork((queued) => {
    const final =
      cmd.finalEnergyWh === undefined
        ? undefined
        : finalCharge(engine, store, cmd, cmd.finalEnergyWh, meters[0]!);
    if (supply === "cut")
      for (const meterId of engine.metersOf(cmd.account))
        engine.decideFor(
          meterId,
          {
            kind: "remote",
            action: "cut",
            reason: `account closed: ${cmd.reason}`,
            commandId: cmd.commandId,
          },
          queued,
        );
    const closedAtMs = store.lifecycle.close(cmd.account);
    // Frees the meter for another account.open (meter_id is UNIQUE); the billing record keeps it.
    if (account.meterId !== null) store.accounts.updateSettings(cmd.account, { meterId: null });
    for (const meterId of meters) engine.states.resetMeter(meterId);
    const balanceE7 = store.accounts.require(cmd.account).balanceE7;
    const energyWh = final?.energyWh ?? 0;
    const amount = money(final?.amountE7 ?? 0);
    recordBilling(store, `account-closed:${cmd.account}`, {
      kind: "account",
      status: "closed",
      accountId: cmd.account,
      customerNo: store.lifecycle.get(cmd.account)?.customerNo ?? null,
      meterId: meters[0] ?? null,
      balance: money(balanceE7),
      energyWh,
      amount,
      supply,
      reason: cmd.reason,
    });
    store.afterCommit(() => engine.useStoredBindings());
    return {
      ok: true,
      result: { account: cmd.account, closedAtMs, energyWh, amount, finalBalance: money(balanceE7), supply },
    };
  });
}

/** Charges the energy from the meter's last billed register to `finalEnergyWh` (none when not above it). */
function finalCharge(
  engine: PrepaidEngine,
  store: Store,
  cmd: CloseCommand,
  finalEnergyWh: number,
  meterId: string,
): { energyWh: number; amountE7: number } | undefined {
  const track = engine.states.meter(meterId).track;
  const account = store.accounts.require(cmd.account);
  const tariff = engine.settings.tariffs.get(account.tariffId ?? "");
  if (track === undefined || tariff === undefined || finalEnergyWh <= track.energyWh) return undefined;
  const energyWh = primaryEnergyWh(finalEnergyWh - track.energyWh, engine.settings.meterRatios?.get(meterId));
  const accountState = engine.states.account(cmd.account);
  const nowMs = store.lifecycle.nowMs();
  const charged = chargeEnergy({
    tariff,
    earlier: engine.settings.tariffHistory?.get(account.tariffId ?? ""),
    timeZone: engine.settings.timeZone,
    fromMs: track.wallMs,
    toMs: Math.max(nowMs, track.wallMs),
    energyWh,
    usage: accountState.usage,
  });
  if (charged.usage !== undefined) accountState.usage = charged.usage;
  store.ledger.post({
    accountId: cmd.account,
    kind: "charge",
    amountE7: -charged.amountE7,
    tariffParts: charged.parts,
    ref: `close:${meterId}`,
  });
  return { energyWh, amountE7: charged.amountE7 };
}

/**
 * A cut at close under heavy load would wait for the load (safeguards.ts), but closing forgets the
 * meter's decision, so it would never run: the close is refused instead, and the platform sends it
 * again once the load has dropped (the meter's last reading says so).
 */
function heavyLoadRefusal(engine: PrepaidEngine, accountId: string): OperationResult<never> | undefined {
  const maxA = engine.settings.policy.tripMaxCurrentA;
  if (maxA === undefined) return undefined;
  for (const meterId of engine.metersOf(accountId)) {
    const currentA = engine.states.peekMeter(meterId).decision?.loadA;
    if (currentA === undefined || currentA <= maxA) continue;
    const message = `meter ${meterId} draws ${currentA} A, above policy.tripMaxCurrentA ${maxA} A: close again when the load drops`;
    return {
      ok: false,
      code: "CLOSE_UNDER_LOAD",
      message,
      details: { meter: meterId, currentA, tripMaxCurrentA: maxA },
    };
  }
  return undefined;
}
