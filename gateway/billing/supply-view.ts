/**
 * A meter's supply as a person asks about it (the technician's web page): the account's money level,
 * keep-power, and whether a cut is announced (with its planned time) or standing (with its reason).
 * Read-only, from the engine's persisted decision state and the stored account.
 */
import { moneyStateOf, type MoneyState } from "../prepaid/index.ts";
import type { Store } from "../store/index.ts";
import { waitingFor } from "./cut-wait.ts";
import type { EngineState } from "./state.ts";

/** What stands between the customer and supply now, if anything. */
export type CutView =
  | {
      readonly state: "announced";
      readonly plannedAtMs: number;
      readonly announcedAtMs: number;
      /** Due and held: what it waits for, in plain words (cut-wait.ts); null when not held. */
      readonly waitingFor: string | null;
    }
  | { readonly state: "cut"; readonly reason: string };

export interface SupplyView {
  /** normal, warning1, warning2, overdraft or exhausted (the cut level); null without an account. */
  readonly alarm: MoneyState | null;
  /** Keep-power reason and end (epoch ms, null: open-ended); null when not protected. */
  readonly protected: { readonly reason: string; readonly untilMs: number | null } | null;
  readonly cut: CutView | null;
  /** The relay position last commanded; null before the meter's first reading with a relay. */
  readonly commanded: "open" | "closed" | null;
  /** Serial number of the meter now answering at the address, when its profile reads one. */
  readonly serial: number | null;
}

/** The supply view of `meterId` billing `accountId` (undefined: a meter without an account). */
export function supplyView(
  states: Pick<EngineState, "peekMeter">,
  store: Pick<Store, "accounts">,
  meterId: string,
  accountId: string | undefined,
): SupplyView {
  const account = accountId === undefined ? undefined : store.accounts.get(accountId);
  const { decision, identity } = states.peekMeter(meterId);
  return {
    alarm: account === undefined ? null : moneyStateOf(account.balanceE7, account.thresholds),
    protected: account?.protection ?? null,
    cut: decision === undefined ? null : cutOf(decision),
    commanded: decision?.relay ?? null,
    serial: identity?.serial ?? null,
  };
}

function cutOf(decision: NonNullable<ReturnType<EngineState["peekMeter"]>["decision"]>): CutView | null {
  if (decision.remoteCut !== undefined)
    return { state: "cut", reason: `remote: ${decision.remoteCut.reason}` };
  if (decision.arrearsCut) return { state: "cut", reason: "arrears: credit exhausted" };
  if (decision.notice !== undefined)
    return {
      state: "announced",
      plannedAtMs: decision.notice.plannedAtMs,
      announcedAtMs: decision.notice.announcedAtMs,
      waitingFor:
        decision.deferral?.action === "cut" ? waitingFor(decision.deferral.reason, decision.loadA) : null,
    };
  return null;
}
