/** The JSON shapes the control interface returns: a meter with its live state, the clock, the buses. */
import type { ActiveFault } from "../core/meter-faults.ts";
import type { MeterRef } from "../core/simulation.ts";
import type { AcceleratedClock } from "../../core/clock.ts";
import type { RunningBus } from "../scenario/running-bus.ts";
import { dltView } from "./dlt645-view.ts";

export function clockView(clock: AcceleratedClock) {
  const nowMs = Math.round(clock.now());
  return {
    nowMs,
    now: new Date(nowMs).toISOString(),
    startMs: clock.startMs,
    elapsedMs: nowMs - clock.startMs,
    speed: clock.acceleration,
  };
}

export function faultView(fault: ActiveFault) {
  return {
    kind: fault.spec.kind,
    spec: fault.spec,
    sinceMs: Math.round(fault.sinceMs),
    untilMs: fault.untilMs === undefined ? null : Math.round(fault.untilMs),
    hits: fault.hits,
  };
}

/**
 * A meter as a tester wants to see it: quantities in their units, the raw registers of each read block
 * the gateway would make, the relay, the tamper flag and the active faults.
 */
export function meterView({ bus, meter }: MeterRef) {
  const quantities = meter.quantities();
  const dlt645 = dltView(meter);
  const registers = meter.profile.blocks.map((block) => ({
    fc: block.fc,
    address: block.address,
    count: block.count,
    /** The words as the gateway would receive them, 4 hex digits each. */
    words: (meter.readRegisters(block.fc, block.address, block.count) ?? [])
      .map((w) => w.toString(16).padStart(4, "0"))
      .join(" "),
  }));
  return {
    bus: bus.name,
    unit: meter.unit,
    profile: meter.profile.id,
    serialNumber: meter.serialNumber,
    relay: meter.relayClosed ? "closed" : "open",
    relayStuck: meter.relayStuck,
    coverOpen: meter.coverOpen,
    reverseEnergy: meter.reverseMode ?? null,
    loadW: meter.loadW,
    load: meter.load.spec,
    quantities,
    registers,
    faults: meter.faults.list().map(faultView),
    ...(dlt645 === undefined ? {} : { dlt645 }),
  };
}

export function busView(running: RunningBus) {
  return {
    name: running.name,
    protocol: running.bus.protocol,
    kind: running.endpoint.kind,
    address: running.address,
    description: running.description,
    units: [...running.bus.meters.keys()].sort((a, b) => a - b),
  };
}

export type ClockView = ReturnType<typeof clockView>;
export type FaultView = ReturnType<typeof faultView>;
export type MeterView = ReturnType<typeof meterView>;
export type BusView = ReturnType<typeof busView>;
