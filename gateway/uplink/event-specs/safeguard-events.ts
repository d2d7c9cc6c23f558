/**
 * Events of the cost-control safeguards that are not a single meter's decision: platform silence
 * (keep-power while no valid platform message arrives) and an account's "close not allowed" flag.
 */
import type { EventSpec } from "../outbox-writer.ts";

/**
 * `keep-power.silence`: no valid platform message for `silentForMs`; automatic cuts wait.
 * `keep-power.silence.cleared`: a valid message arrived again after `silentForMs`; waiting cuts may run.
 */
export function platformSilenceEvent(
  state: "raised" | "cleared",
  facts: { lastMessageMs: number | undefined; silentForMs: number },
): EventSpec {
  const since =
    facts.lastMessageMs === undefined
      ? "since the gateway started"
      : `since ${new Date(facts.lastMessageMs).toISOString()}`;
  const minutes = Math.floor(facts.silentForMs / 60_000);
  return state === "raised"
    ? {
        type: "keep-power.silence",
        severity: "warning",
        message: `no valid platform message ${since} (${minutes} min): keep-power, automatic cuts wait until contact returns`,
        data: { lastMessageMs: facts.lastMessageMs ?? null, silentForMs: facts.silentForMs },
      }
    : {
        type: "keep-power.silence.cleared",
        severity: "info",
        message: `platform heard again after ${minutes} min of silence: automatic cuts may run`,
        data: { lastMessageMs: facts.lastMessageMs ?? null, silentForMs: facts.silentForMs },
      };
}

/** `close-not-allowed.on` / `.off`: the platform set or lifted an account's "close not allowed". */
export function closeNotAllowedEvent(accountId: string, on: boolean, reason: string): EventSpec {
  return {
    type: on ? "close-not-allowed.on" : "close-not-allowed.off",
    severity: on ? "warning" : "info",
    accountId,
    message: on
      ? `close not allowed: supply stays off after any top-up until lifted (${reason})`
      : `close allowed again (${reason})`,
    data: { reason },
  };
}
