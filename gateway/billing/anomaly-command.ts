/**
 * anomaly.resolve: a held energy jump (anomalies.ts) is charged at the account's tariff over the
 * interval it was used in, or waived. Either way it is audited, published on `billing` and no longer
 * held. One unit of work.
 */
import { chargeEnergy } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { jumpResolvedEvent } from "../uplink/event-specs/index.ts";
import { recordBilling, recordEvent } from "../uplink/outbox-writer.ts";
import { heldAnomalies, noteAnomalyCharge, releaseAnomaly } from "./anomalies.ts";
import { money } from "./billing-format.ts";
import { primaryEnergyWh } from "./transformer.ts";
import type { PrepaidEngine } from "./engine.ts";
import type { OperationResult } from "./operation-result.ts";

/** What anomaly.resolve answers. */
export interface AnomalyResolution {
  meter: string;
  anomaly: number;
  action: "charge" | "waive";
  energyWh: number;
  amount: string;
  balance: string;
}

/** The command's parameters. */
export interface AnomalyResolveCommand {
  meterId: string;
  anomalyId: number;
  action: "charge" | "waive";
  reason: string;
}

type HeldAnomaly = ReturnType<typeof heldAnomalies>[number];

/** Resolves a held anomaly of a meter (UNKNOWN_ANOMALY when it is not held). */
export function resolveAnomaly(
  engine: PrepaidEngine,
  store: Store,
  cmd: AnomalyResolveCommand,
): OperationResult<AnomalyResolution> {
  const { meterId, anomalyId, action, reason } = cmd;
  const held = heldAnomalies(store, meterId).find((a) => a.id === anomalyId);
  if (held === undefined)
    return {
      ok: false,
      code: "UNKNOWN_ANOMALY",
      message: `no held anomaly ${anomalyId} on meter '${meterId}'`,
      details: { meter: meterId, heldAnomalies: heldAnomalies(store, meterId).map((a) => a.id) },
    };
  return engine.unitOfWork((queued) => {
    const account = store.accounts.require(held.accountId);
    let amountE7 = 0;
    let balanceE7 = account.balanceE7;
    if (action === "charge") {
      const charged = chargeHeld(engine, store, held, account.tariffId);
      if (charged === undefined)
        return {
          ok: false as const,
          code: "UNKNOWN_TARIFF",
          message: `account ${held.accountId} has no known tariff`,
          details: { account: held.accountId, tariff: account.tariffId },
        };
      ({ amountE7, balanceE7 } = charged);
    }
    releaseAnomaly(store, meterId, anomalyId);
    const status = action === "charge" ? "charged" : "waived";
    const amount = money(amountE7);
    recordBilling(store, `anomaly:${anomalyId}`, {
      kind: "anomaly",
      status,
      anomalyId,
      accountId: held.accountId,
      meterId,
      energyWh: held.energyWh,
      amount,
      balance: money(balanceE7),
      reason,
    });
    recordEvent(
      store,
      jumpResolvedEvent(
        { meterId, accountId: held.accountId },
        { anomalyId, action, energyWh: held.energyWh, amount, reason },
      ),
    );
    if (action === "charge") engine.balanceChanged(held.accountId, balanceE7, queued);
    const result = { meter: meterId, anomaly: anomalyId, action, energyWh: held.energyWh, amount };
    return { ok: true as const, result: { ...result, balance: money(balanceE7) } };
  });
}

/** Posts the held energy as a charge at the account's tariff; undefined when the tariff is unknown. */
function chargeHeld(
  engine: PrepaidEngine,
  store: Store,
  held: HeldAnomaly,
  tariffId: string | null,
): { amountE7: number; balanceE7: number } | undefined {
  const tariff = engine.settings.tariffs.get(tariffId ?? "");
  if (tariff === undefined) return undefined;
  const accountState = engine.states.account(held.accountId);
  const charge = chargeEnergy({
    tariff,
    earlier: engine.settings.tariffHistory?.get(tariffId ?? ""),
    timeZone: engine.settings.timeZone,
    fromMs: held.fromMs,
    toMs: held.toMs,
    // The held jump is a register delta: behind transformers it is charged multiplied, like a reading.
    energyWh: primaryEnergyWh(held.energyWh, engine.settings.meterRatios?.get(held.meterId)),
    usage: accountState.usage,
  });
  if (charge.usage !== undefined) accountState.usage = charge.usage;
  const entry = store.ledger.post({
    accountId: held.accountId,
    kind: "charge",
    amountE7: -charge.amountE7,
    tariffParts: charge.parts,
    ref: `anomaly:${held.id}`,
  });
  noteAnomalyCharge(store, held);
  return { amountE7: charge.amountE7, balanceE7: entry.balanceAfterE7 };
}
