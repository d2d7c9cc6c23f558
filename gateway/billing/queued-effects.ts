/**
 * What a unit of work of the engine leaves to do once it has committed: relay operations and wakes
 * (a decision asking to be fed a tick at a wall time). They are queued while deciding and run after the
 * OUTERMOST commit (Store.afterCommit), never after a rollback.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import type { Logger } from "../../core/logger.ts";
import type { DecisionInput } from "../prepaid/index.ts";
import type { RelayOperation, RelayRunner } from "./relay-runner.ts";

/**
 * A meter-side control that follows the account (where the meter has it, DL/T 645 N1 2A/2B and 3A/3B):
 * the meter's alarm while the account is at or below alarm 1, its keep-power while the account has it.
 */
export interface MeterControlEffect {
  kind: "control";
  meterId: string;
  control: "alarm" | "keep-power";
  on: boolean;
}

/** A relay operation, a meter control or a wake, queued by a unit of work. */
export type QueuedEffect =
  RelayOperation | MeterControlEffect | { kind: "wake"; meterId: string; atMs: number };

/** A decision input as callers give it: the engine stamps it with wall time, monotonic time and its run. */
export type UnstampedInput = DecisionInput extends infer T
  ? T extends unknown
    ? Omit<T, "wallMs" | "monoMs" | "run">
    : never
  : never;

/** Runs queued effects after commit; a wake replaces the meter's previous one. */
export class QueuedEffectRunner {
  private readonly wakes = new Map<string, TimerHandle>();
  private stopped = false;

  constructor(
    private readonly deps: { clock: Clock; logger: Logger; relays: RelayRunner },
    /** Feeds a tick to a meter's decision when its wake is due. */
    private readonly tick: (meterId: string) => void,
  ) {}

  /** Runs the effects of a committed unit of work (nothing once stopped). */
  run(effects: readonly QueuedEffect[]): void {
    if (this.stopped) return;
    for (const effect of effects) {
      if (effect.kind === "relay") this.deps.relays.run(effect);
      else if (effect.kind === "control") this.deps.relays.control(effect);
      else this.scheduleWake(effect.meterId, effect.atMs);
    }
  }

  /** Cancels every wake and refuses later effects; relay operations already running finish. */
  stop(): void {
    this.stopped = true;
    for (const handle of this.wakes.values()) this.deps.clock.clearTimeout(handle);
    this.wakes.clear();
  }

  private scheduleWake(meterId: string, atMs: number): void {
    const clock = this.deps.clock;
    const previous = this.wakes.get(meterId);
    if (previous !== undefined) clock.clearTimeout(previous);
    const handle = clock.setTimeout(
      () => {
        this.wakes.delete(meterId);
        if (this.stopped) return;
        try {
          this.tick(meterId);
        } catch (error) {
          this.deps.logger.error({ err: error, meterId }, "prepaid wake failed");
        }
      },
      Math.max(0, atMs - clock.now()),
    );
    this.wakes.set(meterId, handle);
  }
}
