/**
 * The buses of a gateway, built from config: one transport, scheduler and poller per bus, one driver
 * per meter. The rest of the gateway addresses meters by id and never sees a transport.
 */
import type { Clock } from "../core/clock.ts";
import { ErrorCode, GatewayError } from "../core/errors.ts";
import type { EventBus } from "../core/event-bus.ts";
import type { GatewayEvents } from "../core/events.ts";
import type { Config, MeterConfig } from "../config/index.ts";
import { endpointOfBus } from "../bus/endpoint.ts";
import { Poller } from "../bus/poller.ts";
import { BusScheduler } from "../bus/scheduler.ts";
import type { BusCounters, MeterCounters } from "../bus/counters.ts";
import { ModbusMeterDriver } from "../metering/modbus-driver.ts";
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

export class Buses {
  private readonly runtimes = new Map<string, BusRuntime>();
  private readonly meterBus = new Map<string, BusRuntime>();
  private readonly meterInfo = new Map<string, MeterInfo>();

  constructor(
    private readonly config: Pick<Config, "buses" | "meters">,
    private readonly deps: {
      clock: Clock;
      events: EventBus<GatewayEvents>;
      profiles: ReadonlyMap<string, ResolvedProfile>;
      transportFactory: TransportFactory;
    },
  ) {}

  start(): void {
    const { clock, events, profiles, transportFactory } = this.deps;
    for (const bus of this.config.buses) {
      const meters = this.config.meters.filter((m) => m.bus === bus.id);
      const scheduler = new BusScheduler<ModbusTransport>(transportFactory(endpointOfBus(bus)), {
        busId: bus.id,
        clock,
        timeoutMs: bus.timeoutMs,
        interFrameGapMs: bus.interFrameGapMs,
        // A TCP peer must answer something; on a serial line silence is the meters' problem, not the port's.
        silentAfterTimeouts: bus.transport === "rtu" ? 0 : silentTcpAfterTimeouts,
        onBusState: (state, error) =>
          events.emit("bus.state", { busId: bus.id, state, ...(error === undefined ? {} : { error }) }),
      });
      const poller = new Poller(
        scheduler,
        meters.map((m) => {
          const profile = requireProfile(profiles, m.profile);
          this.meterInfo.set(m.id, {
            id: m.id,
            busId: bus.id,
            unit: m.unit,
            profile: m.profile,
            hasRelay: profile.relay !== undefined,
          });
          return {
            id: m.id,
            unit: m.unit,
            pollIntervalMs: m.pollIntervalMs,
            driver: new ModbusMeterDriver(profile, m.unit),
          };
        }),
        {
          busId: bus.id,
          clock,
          retries: bus.retries,
          backoffInitialMs: bus.backoff.initialMs,
          backoffMaxMs: bus.backoff.maxMs,
          onReading: (reading) => events.emit("reading", reading),
          onPollError: (meterId, error) => events.emit("poll.error", { meterId, busId: bus.id, error }),
          onStateChange: (meterId, state, counters) =>
            events.emit("meter.state", { meterId, busId: bus.id, state, counters }),
        },
      );
      const runtime = { id: bus.id, scheduler, poller, meters };
      this.runtimes.set(bus.id, runtime);
      for (const m of meters) this.meterBus.set(m.id, runtime);
      poller.start();
    }
  }

  /** Stops polling, lets the transaction in hand finish, closes every port. */
  async stop(): Promise<void> {
    for (const runtime of this.runtimes.values()) runtime.poller.stop();
    await Promise.all([...this.runtimes.values()].map((r) => r.scheduler.stop()));
    this.runtimes.clear();
    this.meterBus.clear();
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
  }> {
    return [...this.runtimes.values()].map((r) => ({
      busId: r.id,
      busyMs: r.scheduler.busyMs,
      queued: r.scheduler.queued,
      link: r.scheduler.busCounters,
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
      throw new GatewayError(ErrorCode.ConfigInvalid, `unknown meter '${meterId}'`, { meterId });
    return runtime;
  }
}
