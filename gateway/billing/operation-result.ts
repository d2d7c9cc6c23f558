/** What a prepaid operation (a command) answers. */
import type { ExecutorErrorCode } from "../uplink/commands/codes.ts";

/** How an operation went; a refusal's code is one of the documented command error codes (codes.ts). */
export type OperationResult<T = Record<string, unknown>> =
  | { ok: true; result: T }
  | {
      ok: false;
      code: ExecutorErrorCode;
      message: string;
      /** Facts the sender can act on, documented per code in docs/mqtt.md 6.5 (codes.ts). */
      details: Record<string, unknown>;
    };

/** The refusal of a command naming an account this gateway does not know. */
export function unknownAccount(accountId: string): Extract<OperationResult<never>, { ok: false }> {
  return {
    ok: false,
    code: "UNKNOWN_ACCOUNT",
    message: `no account '${accountId}'`,
    details: { account: accountId },
  };
}
