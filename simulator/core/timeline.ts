/**
 * Things that happen at given simulated times: scripted scenario events and the expiry of faults with a
 * `for`. Due entries run in time order, each told its own due time so meters integrate energy up to that
 * instant; they run on a timer of the base clock and, before every request, from the bus, so a reply
 * never reflects a state the timeline should already have changed.
 */
import type { AcceleratedClock, TimerHandle } from "../../core/clock.ts";

export interface TimelineEntry {
  /** Simulated epoch ms. */
  atMs: number;
  /** For logs and errors, e.g. "timeline[3] fault crc on feeder/4". */
  label: string;
  run(atMs: number): void;
}

/** Node timers overflow above 2^31-1 ms; longer waits are re-armed when the timer fires. */
const maxTimerMs = 2_147_483_647;

export class Timeline {
  private readonly entries: TimelineEntry[] = [];
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private running = false;

  constructor(
    private readonly clock: AcceleratedClock,
    private readonly onError: (entry: TimelineEntry, error: unknown) => void,
  ) {}

  /** Entries not yet run. */
  get pending(): number {
    return this.entries.length;
  }

  /** Adds an entry; entries at the same time run in the order they were added. */
  add(entry: TimelineEntry): void {
    let at = this.entries.length;
    while (at > 0 && this.entries[at - 1]!.atMs > entry.atMs) at--;
    this.entries.splice(at, 0, entry);
    if (this.unsubscribe !== undefined && at === 0) this.arm();
  }

  start(): void {
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.clock.onChange(() => {
      this.runDue();
      this.arm();
    });
    this.runDue();
    this.arm();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer !== undefined) this.clock.base.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs every entry due by the simulated now, in order (entries they add run too if due). */
  runDue(): void {
    if (this.running) return;
    this.running = true;
    try {
      const now = this.clock.now();
      while (this.entries.length > 0 && this.entries[0]!.atMs <= now) {
        const entry = this.entries.shift()!;
        try {
          entry.run(entry.atMs);
        } catch (error) {
          this.onError(entry, error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private arm(): void {
    if (this.timer !== undefined) this.clock.base.clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.entries[0];
    if (next === undefined || this.unsubscribe === undefined) return;
    const delay = Math.min(maxTimerMs, Math.ceil(this.clock.realDelayUntil(next.atMs)));
    this.timer = this.clock.base.setTimeout(() => {
      this.timer = undefined;
      this.runDue();
      this.arm();
    }, delay);
  }
}
