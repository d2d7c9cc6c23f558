/**
 * The executor methods of the account lifecycle commands (issue 16) over the prepaid operations:
 * `account.open`, `account.close`, `account.get`, `adjustment`, `refund`.
 */
import type { PrepaidOperations } from "../billing/operations.ts";
import type { CommandExecutor } from "../uplink/index.ts";

type LifecycleMethods = Pick<
  CommandExecutor,
  "accountOpen" | "accountClose" | "accountGet" | "adjustment" | "refund"
>;

/** The lifecycle part of the uplink's executor. */
export function lifecycleExecutor(operations: PrepaidOperations): LifecycleMethods {
  return {
    accountOpen: (p) => operations.lifecycle.open(p),
    accountClose: (p, context) => operations.lifecycle.close({ ...p, commandId: context.transaction }),
    accountGet: (p) => operations.lifecycle.view(p.account),
    adjustment: (p) => operations.lifecycle.adjust({ ...p, source: "uplink" }),
    refund: (p) => operations.lifecycle.refund({ ...p, source: "uplink" }),
  };
}
