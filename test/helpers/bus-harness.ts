/**
 * Wires a real bus (the transport `run` uses, scheduler, poller) to simulated meters for integration
 * tests: the same parts the service composes, with a temp endpoint.
 */
import { SystemClock } from "../../core/clock.ts";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { Poller, type PollerOptions } from "../../gateway/bus/poller.ts";
import { ModbusMeterDriver } from "../../gateway/metering/modbus-driver.ts";
import type { Reading } from "../../gateway/metering/reading.ts";
import { modbusTransportFactory } from "../../protocols/modbus/transport/factory.ts";
import type { ModbusTransport, TransportEndpoint } from "../../protocols/modbus/transport/transport.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";

export const profiles = loadProfiles();

export interface HarnessMeter {
  id: string;
  unit: number;
  profile: string;
  pollIntervalMs?: number;
}

export function startBus(
  endpoint: TransportEndpoint,
  meters: HarnessMeter[],
  options: Partial<PollerOptions> & {
    timeoutMs?: number;
    interFrameGapMs?: number;
    maxInFlight?: number;
  } = {},
) {
  const clock = new SystemClock();
  const transport = modbusTransportFactory(endpoint);
  const scheduler = new BusScheduler<ModbusTransport>(transport, {
    busId: "test-bus",
    clock,
    timeoutMs: options.timeoutMs ?? 300,
    interFrameGapMs: options.interFrameGapMs ?? 2,
    maxInFlight: options.maxInFlight ?? 1,
  });
  const readings: Reading[] = [];
  const states: Array<[string, string]> = [];
  const poller = new Poller(
    scheduler,
    meters.map((m) => ({
      id: m.id,
      unit: m.unit,
      pollIntervalMs: m.pollIntervalMs ?? 200,
      driver: new ModbusMeterDriver(requireProfile(profiles, m.profile), m.unit),
    })),
    {
      busId: "test-bus",
      clock,
      retries: 1,
      onReading: (r) => readings.push(r),
      onStateChange: (id, state) => states.push([id, state]),
      ...options,
    },
  );
  return {
    scheduler,
    poller,
    readings,
    states,
    async stop() {
      poller.stop();
      await scheduler.stop();
    },
  };
}
