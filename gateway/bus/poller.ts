/**
 * Polls the meters of one bus on their intervals through its scheduler. A meter that keeps failing
 * goes offline and is backed off exponentially (capped), probed with a single attempt, so a dead meter
 * costs one timeout per backoff period instead of one per sweep (DOMAIN.md section 6).
 */
import { wholeMs, type TimerHandle } from "../../core/clock.ts";
import { ErrorCode, errorCounterKey, GatewayError, isGatewayError } from "../../core/errors.ts";
import type { MeterDriver, PollResult } from "../metering/driver.ts";
import type { Reading } from "../metering/reading.ts";
import { toReading } from "./poll-reading.ts";
import type { LinkState, MeterCounters } from "./counters.ts";
import type { MeterSlot, PolledMeter, PollerOptions } from "./poller-slot.ts";
import type { BusLink, BusScheduler, Transactor } from "./scheduler.ts";

export type { PolledMeter, PollerOptions } from "./poller-slot.ts";

/** Polls due this close together are started in the same tick, ms. */
const coalesceMs = 5;

/** Wall and monotonic clocks disagreeing by more than this between two readings is a clock jump. */
const clockJumpToleranceMs = 2000;

export class Poller<Link extends BusLink> {
  private readonly slots = new Map<string, MeterSlot<Link>>();
  private timer: TimerHandle | undefined;
  /** When {@link timer} fires (monotonic ms); Infinity when no timer is set. */
  private timerDueMono = Infinity;
  private running = false;
  private listening = false;

  constructor(
    private readonly scheduler: BusScheduler<Link>,
    meters: ReadonlyArray<PolledMeter<Link>>,
    private readonly options: PollerOptions,
  ) {
    for (const meter of meters) this.addMeter(meter);
  }

  addMeter(meter: PolledMeter<Link>): void {
    const run = (tx: Transactor<Link>) => meter.driver.poll(tx);
    // Where the driver offers it, a poll reports through callbacks: no promise per poll or request.
    const runTo = meter.driver.pollTo?.bind(meter.driver);
    // The driver's flags are this poll's own array.
    const finish = (tx: Transactor<Link>, result: PollResult) => {
      if (tx.retried) result.flags.push("retried");
    };
    const counters = this.scheduler.countersFor(meter.id);
    const slot: MeterSlot<Link> = {
      meter,
      nextDueMono: this.options.clock.monotonicMs(),
      backoffMs: 0,
      lastWallMs: undefined,
      lastMonoMs: undefined,
      polling: false,
      counters,
      periodic: {
        job: {
          meterId: meter.id,
          priority: "poll",
          retries: this.options.retries,
          counters,
          run,
          runTo,
          finish,
        },
        resolve: (result) => {
          try {
            this.delivered(slot, result, slot.periodicStartMono);
          } catch (error) {
            // A reading its consumer could not take (onReading threw) is a failed poll, as in pollOnce.
            this.pollFailed(slot, error);
          }
          this.periodicSettled(slot);
        },
        reject: (error) => {
          // Counted and reported in pollFailed; nobody waits for a periodic poll's outcome.
          this.pollFailed(slot, error);
          this.periodicSettled(slot);
        },
      },
      periodicStartMono: 0,
    };
    this.slots.set(meter.id, slot);
    if (this.running) this.reschedule();
  }

  removeMeter(meterId: string): void {
    this.slots.delete(meterId);
  }

  start(): void {
    this.running = true;
    if (!this.listening) {
      this.listening = true;
      this.scheduler.onReopen(() => this.linkReopened());
    }
    this.reschedule();
  }

  /**
   * The bus's link opened again after a failure (adapter replugged, converter back): poll the meters
   * that are backed off now rather than at the end of their backoff, which may be minutes away.
   */
  private linkReopened(): void {
    if (!this.running) return;
    const now = this.options.clock.monotonicMs();
    for (const slot of this.slots.values()) {
      if (slot.backoffMs === 0) continue;
      slot.nextDueMono = Math.min(slot.nextDueMono, now);
      slot.counters.backoffUntilMono = slot.nextDueMono;
    }
    this.reschedule();
  }

  stop(): void {
    this.running = false;
    this.arm(Infinity);
  }

  /** Polls a meter now, ahead of the queue (a `meter.read` command or a relay read-back). */
  readNow(meterId: string): Promise<Reading> {
    return this.pollOnce(this.requireSlot(meterId), "read");
  }

  /** Writes the relay ahead of queued reads and polls. */
  writeRelay(meterId: string, closed: boolean): Promise<void> {
    const slot = this.requireSlot(meterId);
    return this.scheduler.enqueue({
      meterId,
      priority: "relay",
      retries: this.options.retries,
      run: (tx) => slot.meter.driver.writeRelay(tx, closed),
    });
  }

  /** Reads the relay state (a relay operation's read-back) ahead of queued reads and polls. */
  readRelay(meterId: string): Promise<boolean> {
    const slot = this.requireSlot(meterId);
    return this.scheduler.enqueue({
      meterId,
      priority: "relay",
      retries: this.options.retries,
      run: (tx) => slot.meter.driver.readRelay(tx),
    });
  }

  /** The drivers of the bus's meters, by meter id (for jobs beyond polls: bus/control-jobs.ts). */
  drivers(): Map<string, MeterDriver<Link>> {
    return new Map([...this.slots].map(([id, slot]) => [id, slot.meter.driver]));
  }

  private requireSlot(meterId: string): MeterSlot<Link> {
    const slot = this.slots.get(meterId);
    if (slot === undefined) {
      throw new GatewayError(
        ErrorCode.UnknownMeter,
        `meter '${meterId}' is not on bus ${this.options.busId}`,
      );
    }
    return slot;
  }

  /** Sets the timer for the earliest meter that is due and not already being polled. */
  private reschedule(): void {
    if (!this.running) return;
    let earliest = Infinity;
    for (const slot of this.slots.values())
      if (!slot.polling) earliest = Math.min(earliest, slot.nextDueMono);
    this.arm(earliest);
  }

  /** (Re)sets the tick timer to fire at `dueMono`; Infinity clears it. */
  private arm(dueMono: number): void {
    const clock = this.options.clock;
    if (this.timer !== undefined) clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueMono = dueMono;
    if (dueMono === Infinity) return;
    this.timer = clock.setTimeout(() => this.tick(), Math.max(0, dueMono - clock.monotonicMs()));
  }

  private tick(): void {
    this.timer = undefined;
    this.timerDueMono = Infinity;
    const now = this.options.clock.monotonicMs();
    for (const slot of this.slots.values()) {
      // Meters due within the next few ms go now too: one tick per sweep, not one per meter.
      if (slot.polling || slot.nextDueMono > now + coalesceMs) continue;
      // Never catch up with a burst after falling behind: the next poll is one interval from now.
      slot.nextDueMono = Math.max(slot.nextDueMono + slot.meter.pollIntervalMs, now + 1);
      void this.pollPeriodic(slot);
    }
    this.reschedule();
  }

  /**
   * One periodic poll; when it settles the meter may be polled again. Its job and outcome handlers
   * are the slot's own, made once: no async frame, promise, job or closure per poll (this runs for
   * every one).
   */
  private pollPeriodic(slot: MeterSlot<Link>): void {
    slot.polling = true;
    slot.periodicStartMono = this.options.clock.monotonicMs();
    slot.periodic.job.retries = this.retriesFor(slot);
    this.scheduler.submit(slot.periodic);
  }

  /** Retries per transaction: none for the probe of a backed-off meter. */
  private retriesFor(slot: MeterSlot<Link>): number {
    return slot.counters.state === "offline" ? 0 : this.options.retries;
  }

  /** A periodic poll of `slot` settled. */
  private periodicSettled(slot: MeterSlot<Link>): void {
    slot.polling = false;
    // A bus that cannot keep up leaves the meter due already: poll it again at the next tick.
    if (this.running && this.slots.get(slot.meter.id) === slot && slot.nextDueMono < this.timerDueMono)
      this.arm(slot.nextDueMono);
  }

  private async pollOnce(slot: MeterSlot<Link>, priority: "poll" | "read"): Promise<Reading> {
    const startMono = this.options.clock.monotonicMs();
    try {
      const retries = this.retriesFor(slot);
      const job = { ...slot.periodic.job, priority, retries };
      return this.delivered(slot, await this.scheduler.enqueue(job), startMono);
    } catch (error) {
      throw this.pollFailed(slot, error);
    }
  }

  /** A poll that succeeded, as the Reading handed on: its clock checked, its meter counted online. */
  private delivered(slot: MeterSlot<Link>, result: PollResult, startMono: number): Reading {
    const { clock, busId } = this.options;
    const wallMs = clock.now();
    const monoMs = clock.monotonicMs();
    const flags = result.flags;
    if (slot.lastWallMs !== undefined && slot.lastMonoMs !== undefined) {
      const drift = wallMs - slot.lastWallMs - (monoMs - slot.lastMonoMs);
      if (Math.abs(drift) > clockJumpToleranceMs) flags.push("clock-jump");
    }
    slot.lastWallMs = wallMs;
    slot.lastMonoMs = monoMs;
    this.succeeded(slot);
    // Whole ms, as the store keeps them (the ingest would otherwise copy every reading to round them).
    const times = { wallMs: wholeMs(wallMs), monoMs: wholeMs(monoMs), durationMs: monoMs - startMono };
    const out = toReading(slot.meter, busId, result, times);
    this.options.onReading?.(out);
    return out;
  }

  /** A poll that failed: counted and reported (unless the poller was stopped under it); its error. */
  private pollFailed(slot: MeterSlot<Link>, error: unknown): GatewayError {
    const e = isGatewayError(error) ? error : new GatewayError(ErrorCode.Internal, String(error));
    if (e.code !== ErrorCode.PortClosed || this.running) this.failed(slot, e);
    return e;
  }

  private succeeded(slot: MeterSlot<Link>): void {
    const counters = slot.counters;
    counters.pollsOk += 1;
    counters.consecutiveFailedPolls = 0;
    counters.backoffUntilMono = undefined;
    if (slot.backoffMs !== 0) {
      // Back from backoff: resume the normal interval from now.
      slot.backoffMs = 0;
      slot.nextDueMono = this.options.clock.monotonicMs() + slot.meter.pollIntervalMs;
      this.reschedule();
    }
    this.setState(slot, counters, "online");
  }

  private failed(slot: MeterSlot<Link>, error: GatewayError): void {
    const counters = slot.counters;
    counters.pollsFailed += 1;
    counters.consecutiveFailedPolls += 1;
    // What failed the poll, for /status: usually the failed request itself (already counted), but a
    // driver may fail a poll whose requests were all answered (READING_INTERRUPTED).
    counters.lastError = {
      code: errorCounterKey(error),
      message: error.message,
      atMs: this.options.clock.now(),
    };
    this.options.onPollError?.(slot.meter.id, error);
    if (counters.consecutiveFailedPolls < (this.options.offlineAfterFailures ?? 2)) return;
    const initial = this.options.backoffInitialMs ?? 5000;
    const max = this.options.backoffMaxMs ?? 300_000;
    slot.backoffMs = slot.backoffMs === 0 ? initial : Math.min(slot.backoffMs * 2, max);
    slot.nextDueMono = this.options.clock.monotonicMs() + Math.max(slot.backoffMs, slot.meter.pollIntervalMs);
    counters.backoffUntilMono = slot.nextDueMono;
    this.setState(slot, counters, "offline");
    this.reschedule();
  }

  private setState(slot: MeterSlot<Link>, counters: MeterCounters, state: LinkState): void {
    if (counters.state === state) return;
    counters.state = state;
    this.options.onStateChange?.(slot.meter.id, state, counters);
  }
}
