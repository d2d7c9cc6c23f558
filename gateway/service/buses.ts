/**
 * The buses of a gateway, built from config: one transport, scheduler and poller per bus, one driver
 * per meter. The rest of the gateway addresses meters by id and never sees a transport.
 */
import type { Clock, TimerHandle } from "../../core/clock.ts";
import { ErrorCode, GatewayError } from "../../core/errors.ts";
import type { EventBus } from "../../core/event-bus.ts";
import type { GatewayEvents } from "../events.ts";
import type { BusConfig, Config, MeterConfig } from "../config/index.ts";
import { endpointOfBus } from "../bus/endpoint.ts";
import { Poller, type PollerOptions } from "../bus/poller.ts";
import { BusScheduler, type BusSchedulerOptions } from "../bus/scheduler.ts";
import type { BusCounters, MeterCounters } from "../bus/counters.ts";
import { ModbusMeterDriver } from "../metering/modbus-driver.ts";
import type { OptionalBlockChange } from "../metering/optional-blocks.ts";
import type { Reading } from "../metering/reading.ts";
import type { ModbusTransport, TransportFactory } from "../../protocols/modbus/transport/transport.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import type { ResolvedProfile } from "../../protocols/profiles/resolve.ts";

/**
 * Requests in a row with no byte back before a TCP connection is dropped and the bus shown down. Above
 * a poll's attempts (retries default 1), so one dead meter behind a converter does not drop the link.
 */
const silentTcpAfterTimeouts = 3;

interface BusRuntime {
  id: string;
  scheduler: BusScheduler<ModbusTransport>;
  poller: Poller<ModbusTransport>;
  meters: MeterConfig[];
}

export interface MeterInfo {
  id: string;
  busId: string;
  unit: number;
  profile: string;
  hasRelay: boolean;
}

/** What {@link buildBus} reports to; every hook is optional (doctor uses none). */
export type BusHooks = Pick<BusSchedulerOptions, "onBusState"> &
  Pick<PollerOptions, "onReading" | "onPollError" | "onStateChange"> & {
    /** An optional quantity of a meter stopped or started answering (see ModbusMeterDriver). */
    onOptionalChange?: (meterId: string, change: OptionalBlockChange) => void;
  };

/**
 * Builds one bus's scheduler and poller from config, exactly as `run` polls it: the bus's timeout, gap,
 * retries and backoff, one driver per meter from its own profile. `doctor` reads through the same parts
 * (Poller.readNow) so it cannot judge a meter differently from `run`. The poller is not started.
 */
export function buildBus(
  bus: BusConfig,
  meters: readonly MeterConfig[],
  deps: {
    clock: Clock;
    /** See BusSchedulerOptions.wireClock; default `clock`. */
    wireClock?: Clock | undefined;
    profiles: ReadonlyMap<string, ResolvedProfile>;
    transportFactory: TransportFactory;
  },
  hooks: BusHooks = {},
): { scheduler: BusScheduler<ModbusTransport>; poller: Poller<ModbusTransport> } {
  const { clock, profiles, transportFactory } = deps;
  const scheduler = new BusScheduler<ModbusTransport>(transportFactory(endpointOfBus(bus)), {
    busId: bus.id,
    clock,
    timeoutMs: bus.timeoutMs,
    interFrameGapMs: bus.interFrameGapMs,
    maxInFlight: bus.transport === "rtu" ? 1 : bus.maxInFlight,
    ...(deps.wireClock === undefined ? {} : { wireClock: deps.wireClock }),
    // A TCP peer must answer something; on a serial line silence is the meters' problem, not the port's.
    silentAfterTimeouts: bus.transport === "rtu" ? 0 : silentTcpAfterTimeouts,
    ...(hooks.onBusState === undefined ? {} : { onBusState: hooks.onBusState }),
  });
  const poller = new Poller(
    scheduler,
    meters.map((m) => ({
      id: m.id,
      unit: m.unit,
      pollIntervalMs: m.pollIntervalMs,
      driver: new ModbusMeterDriver(requireProfile(profiles, m.profile), m.unit, {
        clock,
        ...(hooks.onOptionalChange === undefined
          ? {}
          : { onOptionalChange: (change: OptionalBlockChange) => hooks.onOptionalChange?.(m.id, change) }),
      }),
    })),
    {
      busId: bus.id,
      clock,
      retries: bus.retries,
      backoffInitialMs: bus.backoff.initialMs,
      backoffMaxMs: bus.backoff.maxMs,
      ...(hooks.onReading === undefined ? {} : { onReading: hooks.onReading }),
      ...(hooks.onPollError === undefined ? {} : { onPollError: hooks.onPollError }),
      ...(hooks.onStateChange === undefined ? {} : { onStateChange: hooks.onStateChange }),
    },
  );
  return { scheduler, poller };
}

export class Buses {
  private readonly runtimes = new Map<string, BusRuntime>();
  private readonly meterBus = new Map<string, BusRuntime>();
  private readonly meterInfo = new Map<string, MeterInfo>();

  constructor(
    private readonly config: Pick<Config, "buses" | "meters">,
    private readonly deps: {
      clock: Clock;
      wireClock?: Clock | undefined;
      events: EventBus<GatewayEvents>;
      profiles: ReadonlyMap<string, ResolvedProfile>;
      transportFactory: TransportFactory;
    },
  ) {}

  start(): void {
    const { events, profiles } = this.deps;
    for (const bus of this.config.buses) {
      const meters = this.config.meters.filter((m) => m.bus === bus.id);
      for (const m of meters) {
        this.meterInfo.set(m.id, {
          id: m.id,
          busId: bus.id,
          unit: m.unit,
          profile: m.profile,
          hasRelay: requireProfile(profiles, m.profile).relay !== undefined,
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
    queued: { writes: number; polls: number };
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

  private runtime(meterId: string): BusRuntime {
    const runtime = this.meterBus.get(meterId);
    if (runtime === undefined)
      throw new GatewayError(ErrorCode.UnknownMeter, `unknown meter '${meterId}'`, { meterId });
    return runtime;
  }
}
