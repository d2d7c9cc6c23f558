/**
 * Events of the uplink's keys and of reloads that did not happen: what a platform operator watches
 * during a key rotation (docs/provisioning.md). Key ids only, never key bytes.
 */
import type { EventSpec } from "../outbox-writer.ts";

/** `keys.reloaded`: a reload put other command keys or another uplink key in force. */
export function keysReloadedEvent(keys: {
  readonly commandKeys: readonly string[];
  readonly uplinkKey: string | null;
}): EventSpec {
  const command = keys.commandKeys.length === 0 ? "none" : keys.commandKeys.join(", ");
  return {
    type: "keys.reloaded",
    severity: "info",
    message: `keys reloaded: command keys ${command}; uplink key ${keys.uplinkKey ?? "none (messages unsigned)"}`,
    data: { commandKeys: [...keys.commandKeys], uplinkKey: keys.uplinkKey },
  };
}

/** `keys.reload-failed`: a key file could not be used; the keys in force stay. */
export function keysReloadFailedEvent(
  problem: string,
  inForce: { readonly commandKeys: readonly string[]; readonly uplinkKey: string | null },
): EventSpec {
  return {
    type: "keys.reload-failed",
    severity: "warning",
    message: `keys not reloaded, the keys in force stay: ${problem}`,
    data: { problem, commandKeys: [...inForce.commandKeys], uplinkKey: inForce.uplinkKey },
  };
}

/** `config.reload-refused`: the config file (or a file it names) did not load on SIGHUP; nothing changed. */
export function configReloadRefusedEvent(problems: readonly string[]): EventSpec {
  return {
    type: "config.reload-refused",
    severity: "warning",
    message: `config reload refused, the running config and keys stay in force: ${problems.join("; ")}`,
    data: { problems: [...problems] },
  };
}
