/**
 * Simulated time with acceleration: one clock shared by every meter, the scenario timeline and the
 * control interface of a simulator run. At `speed` N, one real second is N simulated seconds.
 * Deterministic tests use `ManualClock` as the base instead of the system clock.
 */
import type { Clock } from "../../core/clock.ts";

/** Bounds of the acceleration: 0.001..1000000 (a day in under a tenth of a second at the top). */
export const minSpeed = 0.001;
export const maxSpeed = 1_000_000;

export class SimClock {
  private originMono: number;
  private originSimMs: number;
  private readonly listeners = new Set<() => void>();
  /** Simulated epoch ms the run started at (scenario offsets count from here). */
  readonly startMs: number;

  /**
   * @param base real (or manual) clock that drives the simulation
   * @param speed time acceleration, 0.001..1000000, default 1
   * @param startWallMs simulated wall-clock time at start, default the base clock's now
   */
  constructor(
    readonly base: Clock,
    private speed = 1,
    startWallMs = base.now(),
  ) {
    checkSpeed(speed);
    this.startMs = startWallMs;
    this.originSimMs = startWallMs;
    this.originMono = base.monotonicMs();
  }

  /** Simulated wall-clock time in epoch ms. */
  now(): number {
    return this.originSimMs + (this.base.monotonicMs() - this.originMono) * this.speed;
  }

  get acceleration(): number {
    return this.speed;
  }

  /** Jumps simulated time forward by `ms` (a tester's "advance time"); 0..10 years. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance by ${ms} ms`);
    this.rebase(this.now() + ms);
    this.changed();
  }

  /** Changes the acceleration from now on without a jump in simulated time. */
  setSpeed(speed: number): void {
    checkSpeed(speed);
    this.rebase(this.now());
    this.speed = speed;
    this.changed();
  }

  /** Real milliseconds until simulated time `atMs` at the current speed (0 if already past). */
  realDelayUntil(atMs: number): number {
    return Math.max(0, (atMs - this.now()) / this.speed);
  }

  /** Calls `listener` after every jump or speed change (the timeline re-arms its timer). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private rebase(simMs: number): void {
    this.originSimMs = simMs;
    this.originMono = this.base.monotonicMs();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function checkSpeed(speed: number): void {
  if (!(speed >= minSpeed && speed <= maxSpeed)) {
    throw new RangeError(`speed must be ${minSpeed}..${maxSpeed}, got ${speed}`);
  }
}
