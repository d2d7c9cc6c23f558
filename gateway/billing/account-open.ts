/**
 * `account.open`: a new account bound to a configured meter, with its tariff, thresholds (the config
 * file's defaults and rules, accountConfigSchema) and opening balance (an `adjustment` entry, as for a
 * seeded account), and the platform's customer number. One unit of work; the binding is in force after
 * the commit (bindings.ts). The meter's billing starts afresh from its next reading.
 */
import { accountConfigSchema, compileAccount, lifecycleOf, type AccountSettings } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { recordBilling } from "../uplink/outbox-writer.ts";
import { money } from "./billing-format.ts";
import type { PrepaidEngine, QueuedEffect } from "./engine.ts";
import type { OperationResult } from "./operation-result.ts";
import { storedSettingsOf } from "./seed.ts";

/** An account.open as the platform sends it (money as decimal yuan strings). */
export interface OpenCommand {
  readonly account: string;
  readonly customerNo: string;
  readonly meter: string;
  readonly tariff: string;
  readonly openingBalance?: string | undefined;
  readonly alarm1?: string | undefined;
  readonly alarm2?: string | undefined;
  readonly overdraftLimit?: string | undefined;
  readonly hoardingLimit?: string | undefined;
  readonly closeAllowedMin?: string | undefined;
}

type Refusal = Extract<OperationResult, { ok: false }>;

/** Opens the account; `duplicate` when it was opened before with this customer number and meter. */
export function openAccount(
  engine: PrepaidEngine,
  store: Store,
  cmd: OpenCommand,
): OperationResult<{ status: "opened" | "duplicate" }> {
  const existing = existingAccount(store, cmd);
  if (existing !== undefined) return existing;
  const refusal = openRefusal(engine, cmd);
  if (refusal !== undefined) return refusal;
  const { meter, customerNo: _customerNo, account: id, openingBalance, ...fields } = cmd;
  const parsed = accountConfigSchema.safeParse({
    id,
    ...withoutUndefined(fields),
    balance: openingBalance ?? "0",
  });
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    return { ok: false, code: "THRESHOLD_INVALID", message, details: { rule: message } };
  }
  const settings = compileAccount(parsed.data, [meter]);
  const maxBalanceE7 = lifecycleOf(engine.settings.policy).maxBalanceE7;
  if (settings.openingBalanceE7 > maxBalanceE7) {
    const details = { wouldBe: money(settings.openingBalanceE7), maxBalance: money(maxBalanceE7) };
    return {
      ok: false,
      code: "BALANCE_CAP",
      message: `opening balance ${details.wouldBe} is above the maximum balance ${details.maxBalance}`,
      details,
    };
  }
  return engine.unitOfWork((queued) => {
    createAccount(engine, store, cmd, settings, queued);
    return { ok: true, result: { status: "opened" } };
  });
}

/** Writes the new account, its customer number, opening balance and billing records (inside the unit of work). */
function createAccount(
  engine: PrepaidEngine,
  store: Store,
  cmd: OpenCommand,
  settings: AccountSettings,
  queued: QueuedEffect[],
): void {
  const { account: id, meter, customerNo } = cmd;
  const { thresholds } = storedSettingsOf(settings);
  store.accounts.create({ id, meterId: meter, tariffId: cmd.tariff, thresholds });
  store.lifecycle.setCustomerNo(id, customerNo);
  engine.states.resetMeter(meter);
  let balanceE7 = 0;
  if (settings.openingBalanceE7 !== 0) {
    const entry = store.ledger.post({
      accountId: id,
      kind: "adjustment",
      amountE7: settings.openingBalanceE7,
      ref: "opening balance",
    });
    balanceE7 = entry.balanceAfterE7;
    const amount = money(balanceE7);
    recordBilling(store, `adjustment:${entry.id}`, {
      kind: "adjustment",
      accountId: id,
      amount,
      balance: amount,
      reason: "opening balance",
    });
  }
  recordBilling(store, `account-opened:${id}`, {
    kind: "account",
    status: "opened",
    accountId: id,
    customerNo,
    meterId: meter,
    balance: money(balanceE7),
  });
  engine.balanceChanged(id, balanceE7, queued);
  store.afterCommit(() => engine.useStoredBindings());
}

/** The answer to opening an id that exists: a duplicate of the same opening, else ACCOUNT_EXISTS. */
function existingAccount(
  store: Store,
  cmd: OpenCommand,
): OperationResult<{ status: "opened" | "duplicate" }> | undefined {
  const existing = store.accounts.get(cmd.account);
  if (existing === undefined) return undefined;
  const lifecycle = store.lifecycle.get(cmd.account);
  const same =
    lifecycle?.closedAtMs === null &&
    lifecycle.customerNo === cmd.customerNo &&
    existing.meterId === cmd.meter;
  if (same) return { ok: true, result: { status: "duplicate" } };
  const details = {
    account: cmd.account,
    closed: lifecycle?.closedAtMs != null,
    customerNo: lifecycle?.customerNo ?? null,
  };
  const message = `account ${cmd.account} already exists (ids are never reused)`;
  return { ok: false, code: "ACCOUNT_EXISTS", message, details };
}

/** Why the account cannot be opened as asked (unknown tariff or meter, meter already billed), if so. */
function openRefusal(engine: PrepaidEngine, cmd: OpenCommand): Refusal | undefined {
  const settings = engine.settings;
  if (!settings.tariffs.has(cmd.tariff))
    return {
      ok: false,
      code: "UNKNOWN_TARIFF",
      message: `no tariff '${cmd.tariff}'`,
      details: { tariff: cmd.tariff, tariffs: [...settings.tariffs.keys()] },
    };
  // Every configured meter has reading limits (settings.ts), so this is "a meter of the config file".
  if (!settings.readingLimits.has(cmd.meter))
    return {
      ok: false,
      code: "UNKNOWN_METER",
      message: `no meter '${cmd.meter}' in the config file`,
      details: { meter: cmd.meter },
    };
  const billedTo = settings.meterAccount.get(cmd.meter);
  if (billedTo !== undefined)
    return {
      ok: false,
      code: "METER_BOUND",
      message: `meter ${cmd.meter} already bills to account ${billedTo}`,
      details: { meter: cmd.meter, account: billedTo },
    };
  return undefined;
}

function withoutUndefined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
