/**
 * What a terminal shows, as a pure function of the account and its meters (STYLE.md principle 4): the
 * balance rounded down to the fen, the money state, whether supply is on, announced to be cut or cut,
 * the price in force, and one message. Which message wins, highest first: a standing cut, an announced
 * cut (with its time), the platform's own message (until it expires), alarm 2, alarm 1, none. The cut
 * notices come first because they are what the customer must act on now (DOMAIN.md section 3: notice
 * before a cut).
 */
import type { DisplayValues } from "../../protocols/terminals/codec.ts";
import { alarmCodes, supplyCodes } from "../../protocols/terminals/codec.ts";
import type { MoneyState } from "../prepaid/index.ts";
import { E7_PER_FEN } from "../prepaid/money.ts";
import { gatewayMessage } from "./messages.ts";

/** A meter's supply as the display needs it (billing/supply-view.ts CutView). */
export type MeterSupply = { state: "on" } | { state: "announced"; plannedAtMs: number } | { state: "cut" };

/** A message the platform asked the terminal to show (`terminal.message`). */
export interface PlatformMessage {
  readonly text: string;
  /** Shown until this instant, epoch ms. */
  readonly untilMs: number;
}

export interface DisplayInput {
  readonly balanceE7: number;
  readonly moneyState: MoneyState;
  /** The shown meters' supply; the display is cut when any is, announced when any is (earliest time). */
  readonly meters: readonly MeterSupply[];
  /** The price in force, 0.0001 yuan/kWh; 0 unknown. */
  readonly priceE4: number;
  readonly message: PlatformMessage | undefined;
  readonly nowMs: number;
  /** IANA zone the planned cut time is written in (the gateway's timezone). */
  readonly timeZone: string;
}

/** The display values without the write sequence (the feature numbers each write). */
export type DisplayContent = Omit<DisplayValues, "sequence">;

export function displayContent(input: DisplayInput): DisplayContent {
  const cut = input.meters.some((m) => m.state === "cut");
  const planned = input.meters.flatMap((m) => (m.state === "announced" ? [m.plannedAtMs] : []));
  const plannedAtMs = planned.length === 0 ? undefined : Math.min(...planned);
  const supply = cut ? "cut" : plannedAtMs !== undefined ? "announced" : "on";
  const platform =
    input.message !== undefined && input.message.untilMs > input.nowMs ? input.message.text : undefined;
  const message =
    supply === "cut"
      ? gatewayMessage({ kind: "cut" })
      : plannedAtMs !== undefined
        ? gatewayMessage({ kind: "announced", atMs: plannedAtMs, timeZone: input.timeZone })
        : (platform ?? moneyMessage(input.moneyState));
  return {
    // Rounded down to the fen, as money shown to people is everywhere (README "Logs").
    balanceFen: clampInt32(Math.floor(input.balanceE7 / E7_PER_FEN)),
    alarm: alarmCodes[input.moneyState],
    supply: supplyCodes[supply],
    cutAtS: supply === "announced" && plannedAtMs !== undefined ? Math.floor(plannedAtMs / 1000) : 0,
    priceE4: input.priceE4,
    message,
  };
}

function moneyMessage(state: MoneyState): string {
  switch (state) {
    case "normal":
      return "";
    case "warning1":
      return gatewayMessage({ kind: "alarm1" });
    case "warning2":
      return gatewayMessage({ kind: "alarm2" });
    case "overdraft":
    case "exhausted":
      return gatewayMessage({ kind: "overdraft" });
  }
}

function clampInt32(value: number): number {
  return Math.max(-0x80000000, Math.min(0x7fffffff, value));
}
