/**
 * Simulated time with acceleration: one clock shared by every meter of a simulator run. At `speed` N,
 * one real second is N simulated seconds. Deterministic tests use `ManualClock` as the base instead.
 */
import type { Clock } from "../../gateway/core/clock.ts";

export class SimClock {
  private readonly originMono: number;
  private offsetMs = 0;

  /**
   * @param base real (or manual) clock that drives the simulation
   * @param speed time acceleration, 1..100000, default 1
   * @param startWallMs simulated wall-clock time at start, default the base clock's now
   */
  constructor(
    private readonly base: Clock,
    private speed = 1,
    private readonly startWallMs = base.now(),
  ) {
    this.originMono = base.monotonicMs();
  }

  /** Simulated wall-clock time in epoch ms. */
  now(): number {
    return this.startWallMs + (this.base.monotonicMs() - this.originMono) * this.speed + this.offsetMs;
  }

  get acceleration(): number {
    return this.speed;
  }

  /** Jumps simulated time forward by `ms` (a tester's "advance time"). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Changes the acceleration from now on without a jump in simulated time. */
  setSpeed(speed: number): void {
    const current = this.now();
    this.speed = speed;
    this.offsetMs += current - this.now();
  }
}
