/**
 * What happened in a simulator run, in order: faults injected, cleared and expired, relay changes, the
 * tamper flag, clock changes. Bounded, because a simulator left running for weeks must not grow without
 * limit (the memory growth users report of comparable tools, DOMAIN.md section 7).
 */

export type SimEventKind =
  | "fault-injected"
  | "fault-cleared"
  | "fault-expired"
  | "tamper-opened"
  | "tamper-closed"
  | "relay-changed"
  | "load-changed"
  | "energy-reset"
  | "meter-replaced"
  | "clock-advanced"
  | "speed-changed"
  | "button-pressed"
  | "meter-clock-set";

/** Who caused a change. */
export type ChangeSource = "scenario" | "timeline" | "control" | "modbus" | "dlt645" | "fault";

export interface SimEvent {
  /** Increasing from 1; `since` queries use it. */
  seq: number;
  /** Simulated epoch ms. */
  atMs: number;
  kind: SimEventKind;
  source: ChangeSource;
  bus?: string;
  unit?: number;
  detail?: Record<string, unknown>;
}

/** Default number of entries kept by each log: 50000 (oldest dropped first). */
export const defaultLogCapacity = 50_000;

/** Appends to an array, dropping the oldest entries beyond `capacity` (1..10000000). */
export function appendBounded<T>(log: T[], entry: T, capacity: number): void {
  log.push(entry);
  // Drop in chunks so a full log does not shift the array on every append.
  if (log.length > capacity) log.splice(0, Math.max(log.length - capacity, Math.ceil(capacity / 10)));
}

export class EventLog {
  readonly entries: SimEvent[] = [];
  private nextSeq = 1;

  constructor(private readonly capacity = defaultLogCapacity) {}

  add(event: Omit<SimEvent, "seq">): SimEvent {
    const entry: SimEvent = { seq: this.nextSeq++, ...event };
    appendBounded(this.entries, entry, this.capacity);
    return entry;
  }

  /** Entries with `seq` greater than `seq`. */
  since(seq = 0): SimEvent[] {
    return this.entries.filter((e) => e.seq > seq);
  }
}
