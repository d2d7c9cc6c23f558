/** Audit events of commands (`command.refused`, `command.executed`): type, severity, wording and data. */
import type { EventSpec } from "../outbox-writer.ts";

/** Codes that suggest someone is trying to forge or replay commands. */
const suspicious = new Set(["BAD_SIGNATURE", "WRONG_GATEWAY", "REPLAYED"]);

/** Account and meter a request refers to. */
interface Refs {
  readonly accountId?: string;
  readonly meterId?: string;
}

/**
 * `command.refused`; `suppressed` counts earlier refusals answered but not audited (rate limit).
 * `source` names who asked when it was not the platform, e.g. `local technician (web)`.
 */
export function commandRefusedEvent(
  refusal: { command: string; transaction: unknown; code: string; message: string },
  refs: Refs,
  suppressed: number,
  source?: string,
): EventSpec {
  return {
    type: "command.refused",
    severity: suspicious.has(refusal.code) ? "critical" : "warning",
    ...refs,
    message: `${refusal.command} refused: ${refusal.code}`,
    data: {
      command: refusal.command,
      transaction: refusal.transaction,
      code: refusal.code,
      message: refusal.message,
      ...(suppressed > 0 ? { suppressedBefore: suppressed } : {}),
      ...(source === undefined ? {} : { source }),
    },
  };
}

/**
 * `command.executed` (a relay command or test is a warning: someone switched supply). `source` names who
 * asked when it was not the platform, e.g. `local technician (web)`.
 */
export function commandExecutedEvent(
  command: string,
  transaction: string,
  refs: Refs,
  source?: string,
): EventSpec {
  return {
    type: "command.executed",
    severity: command === "relay" || command === "relay.test" ? "warning" : "info",
    ...refs,
    message: source === undefined ? `${command} executed` : `${command} executed (${source})`,
    data: { command, transaction, ...(source === undefined ? {} : { source }) },
  };
}
