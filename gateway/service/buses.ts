/**
 * The buses of a gateway, built from config (build-bus.ts): one Modbus transport or DL/T 645 link,
 * scheduler and poller per bus, one driver per meter. The rest of the gateway addresses meters by id and never sees a transport.
 */
import type { TimerHandle } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { GatewayEvents } from "../events.ts";
import type { Config, MeterConfig } from "../config/index.ts";
import type { BusLink } from "../bus/link.ts";
import type { Poller } from "../bus/poller.ts";
import type { BusScheduler, JobPriority, Transactor } from "../bus/scheduler.ts";
import type { BusCounters, MeterCounters } from "../bus/counters.ts";
import type { Reading } from "../metering/reading.ts";
import type { LocalDateTime } from "../metering/controls.ts";
import {
  broadcastTime,
  clockMeters,
  controlsOf,
  runControl,
  type DriverControls,
} from "../bus/control-jobs.ts";
import { lookupProfile } from "../../protocols/profiles/load.ts";
import { buildBus, type BusDeps } from "./build-bus.ts";

export { buildBus, type BusHooks } from "./build-bus.ts";

interface BusRuntime {
  id: string;
  scheduler: BusScheduler<BusLink>;
  poller: Poller<BusLink>;
  meters: MeterConfig[];
}

export interface MeterInfo {
  id: string;
  busId: string;
  protocol: "modbus" | "dlt645";
  /** Modbus unit id, for a Modbus meter. */
  unit?: number;
  /** 12-digit DL/T 645 address, for a DL/T 645 meter. */
  address?: string;
  profile: string;
  hasRelay: boolean;
}

export class Buses {
  private readonly runtimes = new Map<string, BusRuntime>();
  private readonly meterBus = new Map<string, BusRuntime>();
  private readonly meterInfo = new Map<string, MeterInfo>();

  constructor(
    private readonly config: Pick<Config, "buses" | "meters">,
    private readonly deps: BusDeps & { events: EventBus<GatewayEvents> },
  ) {}

  start(): void {
    const { events, profiles } = this.deps;
    for (const bus of this.config.buses) {
      const meters = this.config.meters.filter((m) => m.bus === bus.id);
      for (const m of meters) {
        this.meterInfo.set(m.id, {
          id: m.id,
          busId: bus.id,
          protocol: m.protocol,
          ...(m.protocol === "modbus" ? { unit: m.unit } : { address: m.address }),
          profile: m.profile,
          hasRelay: lookupProfile(profiles, m.profile).relay !== undefined,
        });
      }
      const { scheduler, poller } = buildBus(bus, meters, this.deps, {
        onBusState: (state, error) =>
          events.emit("bus.state", { busId: bus.id, state, ...(error === undefined ? {} : { error }) }),
        onReading: (reading) => events.emit("reading", reading),
        onPollError: (meterId, error) => events.emit("poll.error", { meterId, busId: bus.id, error }),
        onStateChange: (meterId, state, counters) =>
          events.emit("meter.state", { meterId, busId: bus.id, state, counters }),
        onOptionalChange: (meterId, change) =>
          events.emit("meter.quantities", { meterId, busId: bus.id, change }),
      });
      const runtime = { id: bus.id, scheduler, poller, meters };
      this.runtimes.set(bus.id, runtime);
      for (const m of meters) this.meterBus.set(m.id, runtime);
      poller.start();
    }
  }

  /**
   * First step of a shutdown: no new polls start; resolves when the polls already running or queued have
   * finished (their readings emitted), or after `maxWaitMs` (0..60000) on a bus that does not keep up.
   * The buses stay open for relay writes and their counters readable until {@link Buses.stop}.
   */
  async stopPolling(maxWaitMs: number): Promise<void> {
    const runtimes = [...this.runtimes.values()];
    for (const runtime of runtimes) runtime.poller.stop();
    const { clock } = this.deps;
    let timer: TimerHandle | undefined;
    const bound = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, maxWaitMs)));
    try {
      await Promise.race([Promise.all(runtimes.map((r) => this.drained(r))), bound]);
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
  }

  /** Resolves once every job queued or running on the bus at this call has settled. */
  private async drained(runtime: BusRuntime): Promise<void> {
    await runtime.scheduler.settled();
  }

  /**
   * Stops polling, lets the transaction in hand finish, closes every port. Meters stay known, so their
   * counters can still be read (a late publish) and a late relay write fails as `bus stopped`.
   */
  async stop(): Promise<void> {
    for (const runtime of this.runtimes.values()) runtime.poller.stop();
    await Promise.all([...this.runtimes.values()].map((r) => r.scheduler.stop()));
  }

  meters(): MeterInfo[] {
    return [...this.meterInfo.values()];
  }

  meter(meterId: string): MeterInfo | undefined {
    return this.meterInfo.get(meterId);
  }

  counters(meterId: string): MeterCounters {
    return this.runtime(meterId).scheduler.countersFor(meterId);
  }

  /** Per bus: time spent in transactions since start, queue depth, and the link's state and failures. */
  busStats(): Array<{
    busId: string;
    busyMs: number;
    queued: Record<JobPriority, number>;
    link: Readonly<BusCounters>;
    unmatchedReplies: number;
  }> {
    return [...this.runtimes.values()].map((r) => ({
      busId: r.id,
      busyMs: r.scheduler.busyMs,
      queued: r.scheduler.queued,
      link: r.scheduler.busCounters,
      unmatchedReplies: r.scheduler.unmatchedReplies,
    }));
  }

  readNow(meterId: string): Promise<Reading> {
    return this.runtime(meterId).poller.readNow(meterId);
  }

  writeRelay(meterId: string, closed: boolean): Promise<void> {
    return this.runtime(meterId).poller.writeRelay(meterId, closed);
  }

  readRelay(meterId: string): Promise<boolean> {
    return this.runtime(meterId).poller.readRelay(meterId);
  }

  /** Runs one of a meter's optional capabilities ahead of polls (bus/control-jobs.ts). */
  control<T>(
    meterId: string,
    run: (controls: DriverControls<BusLink>, tx: Transactor<BusLink>) => Promise<T>,
    retries?: number,
  ): Promise<T> {
    const runtime = this.runtime(meterId);
    return runControl(runtime, meterId, run, retries ?? this.retriesOf(runtime));
  }

  /** The meter's optional capabilities (undefined: none, e.g. Modbus). */
  controls(meterId: string): DriverControls<BusLink> | undefined {
    const runtime = this.meterBus.get(meterId);
    return runtime === undefined ? undefined : controlsOf(runtime, meterId);
  }

  /**
   * Runs one job for a device that is not a meter (a prepayment terminal, `deviceId`) on bus `busId`,
   * at `display` priority: after every relay, read and poll job waiting, without retries (the caller
   * tries again at its next turn). Counters are kept under `deviceId`.
   */
  runDeviceJob<T>(busId: string, deviceId: string, run: (tx: Transactor<BusLink>) => Promise<T>): Promise<T> {
    const runtime = this.runtimes.get(busId);
    if (runtime === undefined)
      return Promise.reject(new GatewayError(ErrorCode.NotFound, `unknown bus '${busId}'`));
    return runtime.scheduler.enqueue({ meterId: deviceId, priority: "display", retries: 0, run });
  }

  /** A device's link counters on bus `busId` (a terminal's), undefined for an unknown bus. */
  deviceCounters(busId: string, deviceId: string): MeterCounters | undefined {
    return this.runtimes.get(busId)?.scheduler.countersFor(deviceId);
  }

  /** Buses that can broadcast the time, with their meters whose clock can be read. */
  clockBuses(): Array<{ busId: string; meterIds: string[] }> {
    return [...this.runtimes.values()].flatMap((r) => {
      const meterIds = clockMeters(r);
      return meterIds.length === 0 ? [] : [{ busId: r.id, meterIds }];
    });
  }

  /** Broadcasts the time on a bus, once. */
  broadcastTime(busId: string, time: () => LocalDateTime): Promise<void> {
    const runtime = this.runtimes.get(busId);
    if (runtime === undefined)
      return Promise.reject(new GatewayError(ErrorCode.NotFound, `unknown bus '${busId}'`));
    return broadcastTime(runtime, time);
  }

  private retriesOf(runtime: BusRuntime): number {
    return this.config.buses.find((b) => b.id === runtime.id)?.retries ?? 1;
  }

  private runtime(meterId: string): BusRuntime {
    const runtime = this.meterBus.get(meterId);
    if (runtime === undefined)
      throw new GatewayError(ErrorCode.UnknownMeter, `unknown meter '${meterId}'`, { meterId });
    return runtime;
  }
}
