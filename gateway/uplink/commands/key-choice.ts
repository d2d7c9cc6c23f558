/**
 * Which command key verifies a request: the one its `kid` names, or, for a request without `kid`, the
 * only key configured. A gateway with two or more keys (a rotation's overlap window) cannot guess, so it
 * refuses a request without `kid`: that is what keeps a rotation explicit (docs/mqtt.md 6.2).
 */
import type { CommandKey } from "../keys/key-ring.ts";

/** Why no key verifies the request, with the details a sender acts on. */
export interface KeyRefusal {
  readonly code: "NO_COMMAND_KEY" | "KEY_ID_REQUIRED" | "UNKNOWN_KEY";
  readonly message: string;
  readonly details: Record<string, unknown>;
}

/** The key a request names (or the only one), or why there is none. */
export function chooseCommandKey(
  keys: readonly CommandKey[],
  kid: unknown,
): { readonly key: CommandKey } | { readonly refusal: KeyRefusal } {
  if (keys.length === 0) {
    return {
      refusal: {
        code: "NO_COMMAND_KEY",
        message: "this gateway has no command key configured",
        details: { setting: "mqtt.commandKeys" },
      },
    };
  }
  const keyIds = keys.map((k) => k.id);
  if (kid === undefined) {
    if (keys.length === 1) return { key: keys[0]! };
    return {
      refusal: {
        code: "KEY_ID_REQUIRED",
        message: `this gateway accepts ${keys.length} command keys: the request must name one in kid`,
        details: { keyIds },
      },
    };
  }
  const key = keys.find((k) => k.id === kid);
  if (key !== undefined) return { key };
  return {
    refusal: {
      code: "UNKNOWN_KEY",
      message: `no command key ${JSON.stringify(kid)} on this gateway`,
      details: { kid, keyIds },
    },
  };
}

/** Why a key that verified the request is not accepted at `nowMs`, or undefined when it is. */
export function keyWindowRefusal(
  key: CommandKey,
  nowMs: number,
):
  | { code: "KEY_EXPIRED" | "KEY_NOT_YET_VALID"; message: string; details: Record<string, unknown> }
  | undefined {
  if (key.notAfterMs !== undefined && nowMs > key.notAfterMs) {
    return {
      code: "KEY_EXPIRED",
      message: `command key '${key.id}' expired ${nowMs - key.notAfterMs} ms ago`,
      details: { kid: key.id, notAfterMs: key.notAfterMs, gatewayTimeMs: nowMs },
    };
  }
  if (key.notBeforeMs !== undefined && nowMs < key.notBeforeMs) {
    return {
      code: "KEY_NOT_YET_VALID",
      message: `command key '${key.id}' is accepted from ${new Date(key.notBeforeMs).toISOString()}`,
      details: { kid: key.id, notBeforeMs: key.notBeforeMs, gatewayTimeMs: nowMs },
    };
  }
  return undefined;
}
