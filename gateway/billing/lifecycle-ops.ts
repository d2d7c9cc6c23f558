/**
 * The account lifecycle operations (issue 16) as the command executor and the technician's local
 * commands call them: open, close, read, adjust and refund. Each mutation is one unit of work; a
 * refusal changes nothing but its own audit record.
 */
import type { Store } from "../store/index.ts";
import { accountView, type AccountView } from "./account-view.ts";
import { closeAccount, type CloseCommand, type CloseResult } from "./account-close.ts";
import { openAccount, type OpenCommand } from "./account-open.ts";
import {
  applyAdjustment,
  applyRefund,
  type AdjustmentCommand,
  type RefundCommand,
  type RefundResult,
} from "./balance-commands.ts";
import type { PrepaidEngine } from "./engine.ts";
import { unknownAccount, type OperationResult } from "./operation-result.ts";
import { lastPurchaseSeqOf } from "./topup-command.ts";

export type {
  AccountView,
  AdjustmentCommand,
  CloseCommand,
  CloseResult,
  OpenCommand,
  RefundCommand,
  RefundResult,
};

export class AccountLifecycle {
  constructor(
    private readonly engine: PrepaidEngine,
    private readonly store: Store,
  ) {}

  /** account.open; answers with the account as account.get would. */
  open(cmd: OpenCommand): OperationResult<{ status: "opened" | "duplicate"; view: AccountView }> {
    const r = openAccount(this.engine, this.store, cmd);
    if (!r.ok) return r;
    const view = this.view(cmd.account);
    return view.ok ? { ok: true, result: { status: r.result.status, view: view.result } } : view;
  }

  close(cmd: CloseCommand): OperationResult<CloseResult> {
    return closeAccount(this.engine, this.store, cmd);
  }

  /** account.get: UNKNOWN_ACCOUNT for an id never opened; a closed account is shown with closedAtMs. */
  view(accountId: string): OperationResult<AccountView> {
    const account = this.store.accounts.get(accountId);
    if (account === undefined) return unknownAccount(accountId);
    return {
      ok: true,
      result: accountView(this.engine, this.store, account, lastPurchaseSeqOf(this.store, account)),
    };
  }

  adjust(
    cmd: AdjustmentCommand,
  ): OperationResult<{ account: string; amountFen: number; balance: string; ledgerId: number }> {
    return applyAdjustment(this.engine, this.store, cmd);
  }

  refund(cmd: RefundCommand): OperationResult<RefundResult> {
    return applyRefund(this.engine, this.store, cmd);
  }
}
