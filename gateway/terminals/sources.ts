/**
 * What the terminals read to fill a display: the account as stored, its meters' supply (the engine's
 * decision state), and the price in force. A narrow port, built by the composition root.
 */
import type { SupplyView } from "../billing/supply-view.ts";
import { moneyStateOf } from "../prepaid/index.ts";
import type { Account } from "../store/index.ts";
import type { DisplayInput, MeterSupply, PlatformMessage } from "./display-model.ts";

export interface TerminalSources {
  account(accountId: string): Account | undefined;
  supply(meterId: string): SupplyView;
  /** Meters billing the account, in config order. */
  meterIdsOf(accountId: string): string[];
  /** The price in force of a tariff at `nowMs`, 0.0001 yuan/kWh; 0 when unknown. */
  priceE4(tariffId: string, nowMs: number): number;
}

/** The display's input for a terminal, or undefined when its account is not (yet) stored. */
export function displayInputOf(
  sources: TerminalSources,
  terminal: { account: string; meters?: readonly string[] | undefined },
  message: PlatformMessage | undefined,
  nowMs: number,
  timeZone: string,
): DisplayInput | undefined {
  const account = sources.account(terminal.account);
  if (account === undefined) return undefined;
  const meterIds = terminal.meters ?? sources.meterIdsOf(terminal.account);
  return {
    balanceE7: account.balanceE7,
    moneyState: moneyStateOf(account.balanceE7, account.thresholds),
    meters: meterIds.map((id) => meterSupply(sources.supply(id))),
    priceE4: account.tariffId === null ? 0 : sources.priceE4(account.tariffId, nowMs),
    message,
    nowMs,
    timeZone,
  };
}

function meterSupply(view: SupplyView): MeterSupply {
  if (view.cut?.state === "cut") return { state: "cut" };
  if (view.cut?.state === "announced") return { state: "announced", plannedAtMs: view.cut.plannedAtMs };
  return { state: "on" };
}
