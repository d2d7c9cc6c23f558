/**
 * Turns observations of meters' own status into events, once per change: the memory of each meter is
 * kept in the store (kv `meterStatus.<meterId>`) and updated in the same unit of work as the events, so a
 * restart repeats none and a crash loses none.
 */
import type { Store } from "../store/index.ts";
import { meterStatusEvent } from "../uplink/event-specs/index.ts";
import { recordEvent } from "../uplink/outbox-writer.ts";
import {
  diffMeterStatus,
  type MeterStatusChange,
  type StatusMemory,
  type StatusObservation,
} from "./diff.ts";

const key = (meterId: string) => `meterStatus.${meterId}`;

export class MeterStatusWatch {
  constructor(private readonly store: Store) {}

  /**
   * Records the events `observation` makes for `meterId` (joins the caller's unit of work, if any) and
   * returns the changes.
   */
  observe(
    meterId: string,
    accountId: string | undefined,
    observation: StatusObservation,
  ): MeterStatusChange[] {
    const { store } = this;
    return store.transaction(() => {
      const before = store.kv.get(key(meterId)) as StatusMemory | undefined;
      const { memory, changes } = diffMeterStatus(before, observation);
      for (const change of changes) recordEvent(store, meterStatusEvent({ meterId, accountId }, change));
      if (JSON.stringify(memory) !== JSON.stringify(before ?? {})) store.kv.set(key(meterId), memory);
      return changes;
    });
  }
}
