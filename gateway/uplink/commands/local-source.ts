/** Commands a local technician gives (web page, CLI) rather than the platform over MQTT. */
/**
 * Transaction ids of commands a local technician gave (web page, CLI) start with this; the relay
 * operations they cause are recorded as requested by `technician`, not `platform`.
 */
export const localTransactionPrefix = "local-";

/** Who asked for a relay operation caused by the command `commandId`. */
export function requesterOf(commandId: string): "technician" | "platform" {
  return commandId.startsWith(localTransactionPrefix) ? "technician" : "platform";
}
