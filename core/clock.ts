/**
 * The one source of time (STYLE.md principle 5). Everything that reads the time or waits takes a Clock,
 * so tariff periods, friendly hours, backoff and schedules are testable without sleeping.
 */
export interface Clock {
  /** Wall-clock time in whole epoch milliseconds. May jump (NTP sync on a Pi without RTC). */
  now(): number;
  /**
   * Monotonic milliseconds since an arbitrary origin (the process start for {@link SystemClock}); never
   * goes backwards. It carries fractions (performance.now()), which bus timing needs: anything that
   * stores or bills a time takes it through {@link wholeMs} first.
   */
  monotonicMs(): number;
  /** Runs `fn` after `ms` milliseconds of this clock's time. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/**
 * A time as the store and the ledger keep it: whole milliseconds, rounded down so an ordering between
 * two times is never reversed and no time lands in the future. Throws a RangeError for a non-finite value.
 */
export function wholeMs(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError(`time ${ms} ms is not a finite number`);
  return Math.floor(ms);
}

/** Opaque handle returned by {@link Clock.setTimeout}. */
export interface TimerHandle {
  readonly id: number;
}

/** The longest delay a Node timer holds, ms (2^31 - 1). */
const maxTimerMs = 2_147_483_647;

/** The real clock: Date.now, performance.now and Node timers. */
export class SystemClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  now(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return performance.now();
  }

  /**
   * Node holds a timer of at most 2^31-1 ms (24.8 days) and fires a longer one after 1 ms (a
   * TimeoutOverflowWarning): a longer wait (a keep-power period ending next month) is chained in steps.
   */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const dueMono = performance.now() + Math.max(0, ms);
    const arm = (waitMs: number): void => {
      const timer = setTimeout(
        () => {
          // Node counts whole milliseconds of its loop time and may run a timer up to 1 ms before
          // performance.now() reaches the due time: that is on time. Only a chained long wait has
          // a real rest; waiting another timer for a fraction cost a millisecond or more per bus gap.
          const leftMs = dueMono - performance.now();
          if (leftMs >= 1 && this.timers.has(id)) {
            arm(leftMs);
            return;
          }
          this.timers.delete(id);
          fn();
        },
        Math.min(waitMs, maxTimerMs),
      );
      this.timers.set(id, timer);
    };
    arm(Math.max(0, ms));
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.timers.get(handle.id);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.timers.delete(handle.id);
    }
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
}

/**
 * A clock that only moves when told to. Timers fire in due order during {@link ManualClock.advance}.
 * The wall clock can be set independently of the monotonic clock to simulate NTP jumps.
 */
export class ManualClock implements Clock {
  private wallMs: number;
  private monoMs = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { dueMono: number; fn: () => void }>();

  constructor(startWallMs = Date.UTC(2026, 0, 5, 12, 0, 0)) {
    this.wallMs = startWallMs;
  }

  now(): number {
    return this.wallMs;
  }

  monotonicMs(): number {
    return this.monoMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { dueMono: this.monoMs + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Moves both clocks forward by `ms`, firing due timers in order (and those they schedule). */
  advance(ms: number): void {
    const target = this.monoMs + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextDue = Infinity;
      for (const [id, t] of this.timers) {
        if (t.dueMono <= target && t.dueMono < nextDue) {
          nextDue = t.dueMono;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId);
      this.timers.delete(nextId);
      this.wallMs += nextDue - this.monoMs;
      this.monoMs = nextDue;
      timer?.fn();
    }
    this.wallMs += target - this.monoMs;
    this.monoMs = target;
  }

  /** Sets the wall clock only (an NTP step); monotonic time is untouched. */
  setWallClock(wallMs: number): void {
    this.wallMs = wallMs;
  }

  /** Milliseconds until the earliest waiting timer is due (0 if one is due now), or undefined if none. */
  msToNextTimer(): number | undefined {
    let earliest = Infinity;
    for (const t of this.timers.values()) earliest = Math.min(earliest, t.dueMono);
    return earliest === Infinity ? undefined : Math.max(0, earliest - this.monoMs);
  }

  /** Number of timers waiting to fire. */
  pendingTimers(): number {
    return this.timers.size;
  }
}

/** Bounds of {@link AcceleratedClock}'s acceleration: 0.001..1000000 (a day in under a tenth of a second). */
export const minSpeed = 0.001;
export const maxSpeed = 1_000_000;

/**
 * Real time, accelerated: `speed` simulated ms pass per ms of the base clock, for the demo, the
 * simulator and end-to-end tests that run a day of tariff periods in minutes. Timers are the base
 * clock's timers, shortened by `speed`. The simulator's control interface changes the speed and jumps
 * time at run time, so both re-anchor the clock instead of rescaling the time already run.
 */
export class AcceleratedClock implements Clock {
  private originBaseMono: number;
  /** Simulated monotonic ms at the last re-anchor (0 at construction). */
  private originSimMono = 0;
  private readonly listeners = new Set<() => void>();

  /**
   * @param speed acceleration, {@link minSpeed}..{@link maxSpeed}; a RangeError outside
   * @param startMs simulated wall-clock time at construction (scenario offsets count from here)
   * @param base real (or manual, in deterministic tests) clock that drives this one
   */
  constructor(
    private speed: number,
    readonly startMs = Date.now(),
    readonly base: Clock = new SystemClock(),
  ) {
    checkSpeed(speed);
    this.originBaseMono = base.monotonicMs();
  }

  /** Whole milliseconds, like Date.now(). */
  now(): number {
    return Math.floor(this.startMs + this.monotonicMs());
  }

  monotonicMs(): number {
    return this.originSimMono + (this.base.monotonicMs() - this.originBaseMono) * this.speed;
  }

  /** The current acceleration. */
  get acceleration(): number {
    return this.speed;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, ms / this.speed);
  }

  clearTimeout(handle: TimerHandle): void {
    this.base.clearTimeout(handle);
  }

  sleep(ms: number): Promise<void> {
    return this.base.sleep(ms / this.speed);
  }

  /** Jumps simulated time forward by `ms` (a tester's "advance time"). Timers already set do not move. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot advance by ${ms} ms`);
    this.reanchor(this.monotonicMs() + ms);
    this.changed();
  }

  /** Changes the acceleration from now on without a jump in simulated time. Timers already set keep theirs. */
  setSpeed(speed: number): void {
    checkSpeed(speed);
    this.reanchor(this.monotonicMs());
    this.speed = speed;
    this.changed();
  }

  /** Base-clock milliseconds until simulated time `atMs` at the current speed (0 if already past). */
  realDelayUntil(atMs: number): number {
    return Math.max(0, (atMs - this.now()) / this.speed);
  }

  /** Calls `listener` after every jump or speed change (the simulator's timeline re-arms its timer). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private reanchor(simMono: number): void {
    this.originSimMono = simMono;
    this.originBaseMono = this.base.monotonicMs();
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
