/**
 * What a meter's own status says, as changes: a pure diff of its latest status against what was seen
 * before, so each change becomes one event, not one per poll (DOMAIN.md section 5: concentrator-side
 * events with happened / recovered states). The memory is plain data, persisted by the caller, so a
 * restart neither repeats an event nor misses a change made while the gateway was down.
 *
 * - Relay state against command: status word 3 (DI 04000503) carries the relay's real position (bit 4)
 *   and whether an open command is in force (bit 6, State Grid). Open with a close allowed is expected
 *   while the customer has not pressed the button yet (restore by allow-close), not a disagreement.
 * - Event counters (DIs 03300D00 cover open, 03350000 magnetic interference, 03110000 power down): a
 *   count that went up is an event with how many happened; the first count seen is only remembered
 *   (nothing says when those happened), and a count that went down (meter cleared or replaced) too.
 */
import type { MeterEventCounters, RelayStatus } from "../metering/controls.ts";

/** What is remembered per meter between polls and restarts (plain JSON). */
export interface StatusMemory {
  readonly relayDisagrees?: boolean;
  readonly counters?: MeterEventCounters;
}

/** One observation of a meter. Absent fields were not read this time and change nothing. */
export interface StatusObservation {
  readonly relay?: RelayStatus;
  /** A restore by allow-close is waiting for the customer's button press. */
  readonly awaitingButton?: boolean;
  readonly counters?: MeterEventCounters;
}

/** A counter of {@link MeterEventCounters}. */
export type CounterName = keyof MeterEventCounters;

export type MeterStatusChange =
  | { readonly kind: "relay-disagrees"; readonly relay: RelayStatus }
  | { readonly kind: "relay-agrees"; readonly relay: RelayStatus }
  | {
      readonly kind: "counter";
      readonly counter: CounterName;
      readonly count: number;
      readonly previous: number;
    };

const counterNames: readonly CounterName[] = ["coverOpen", "magneticInterference", "powerDown"];

/** Whether the relay's position contradicts the meter's own command state. */
function disagrees(relay: RelayStatus, awaitingButton: boolean): boolean | undefined {
  if (relay.openCommanded === undefined) return undefined;
  if (relay.openCommanded) return relay.closed;
  return !relay.closed && !awaitingButton;
}

/** The changes `observation` makes against `memory`, and the memory to keep. */
export function diffMeterStatus(
  memory: StatusMemory | undefined,
  observation: StatusObservation,
): { memory: StatusMemory; changes: MeterStatusChange[] } {
  const changes: MeterStatusChange[] = [];
  let relayDisagrees = memory?.relayDisagrees;
  if (observation.relay !== undefined) {
    const now = disagrees(observation.relay, observation.awaitingButton ?? false);
    if (now !== undefined && now !== (relayDisagrees ?? false))
      changes.push({ kind: now ? "relay-disagrees" : "relay-agrees", relay: observation.relay });
    relayDisagrees = now ?? relayDisagrees;
  }
  const counters: Record<string, number> = { ...memory?.counters };
  for (const name of counterNames) {
    const count = observation.counters?.[name];
    if (count === undefined) continue;
    const previous = memory?.counters?.[name];
    if (previous !== undefined && count > previous)
      changes.push({ kind: "counter", counter: name, count, previous });
    counters[name] = count;
  }
  return {
    memory: {
      ...(relayDisagrees === undefined ? {} : { relayDisagrees }),
      ...(Object.keys(counters).length === 0 ? {} : { counters }),
    },
    changes,
  };
}
