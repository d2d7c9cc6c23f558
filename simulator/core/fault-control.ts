/**
 * Injecting and clearing a meter's faults, with their events: persistent faults with a `for` get an
 * expiry on the timeline; one-shot faults act at once.
 */
import type { FaultSpec, OneShotFaultSpec, PersistentFaultKind } from "../faults/fault-spec.ts";
import { isOneShot } from "../faults/fault-spec.ts";
import type { ChangeSource, EventLog, SimEvent } from "./event-log.ts";
import type { ActiveFault } from "./meter-faults.ts";
import { randomInt, type Random } from "./prng.ts";
import type { SimBus } from "./sim-bus.ts";
import type { SimMeter } from "./sim-meter.ts";
import type { Timeline } from "./timeline.ts";

/** A meter and the bus it is on. */
export interface MeterRef {
  bus: SimBus;
  meter: SimMeter;
}

/** Adds an event about a meter (or the whole run) at a simulated time, rounded to the ms. */
export function logEvent(
  events: EventLog,
  event: {
    kind: SimEvent["kind"];
    source: ChangeSource;
    ref: MeterRef | undefined;
    detail: Record<string, unknown>;
    atMs: number;
  },
): void {
  const { ref, detail } = event;
  events.add({
    atMs: Math.round(event.atMs),
    kind: event.kind,
    source: event.source,
    ...(ref === undefined ? {} : { bus: ref.bus.name, unit: ref.meter.unit }),
    ...(Object.keys(detail).length === 0 ? {} : { detail }),
  });
}

export class FaultControl {
  /**
   * @param random the run's stream for replacement serial numbers
   * @param dropRelay opens a relay by itself (logged as a relay change caused by a fault)
   */
  constructor(
    private readonly timeline: Timeline,
    private readonly events: EventLog,
    private readonly random: Random,
    private readonly dropRelay: (ref: MeterRef, atMs: number) => void,
  ) {}

  inject(ref: MeterRef, spec: FaultSpec, source: ChangeSource, atMs: number): ActiveFault | undefined {
    if (isOneShot(spec)) {
      this.oneShot(ref, spec, source, atMs);
      return undefined;
    }
    const fault = ref.meter.setFault(spec, atMs);
    this.log("fault-injected", source, ref, { fault: spec }, atMs);
    if (spec.kind === "tamper") this.log("tamper-opened", source, ref, {}, atMs);
    if (fault.untilMs !== undefined) {
      this.timeline.add({
        atMs: fault.untilMs,
        label: `expiry of ${spec.kind} on ${ref.bus.name}/${ref.meter.unit}`,
        run: (at) => {
          // Re-injected or cleared since: this expiry is stale.
          if (ref.meter.faults.get(spec.kind) !== fault) return;
          this.clear(ref, spec.kind, "fault", at, "fault-expired");
        },
      });
    }
    return fault;
  }

  clear(
    ref: MeterRef,
    kind: PersistentFaultKind | undefined,
    source: ChangeSource,
    atMs: number,
    event: "fault-cleared" | "fault-expired",
  ): PersistentFaultKind[] {
    const cleared = ref.meter.clearFaults(kind, atMs);
    for (const fault of cleared) {
      this.log(event, source, ref, { kind: fault.spec.kind }, atMs);
      if (fault.spec.kind === "tamper") this.log("tamper-closed", source, ref, {}, atMs);
    }
    return cleared.map((f) => f.spec.kind);
  }

  private oneShot(ref: MeterRef, spec: OneShotFaultSpec, source: ChangeSource, atMs: number): void {
    switch (spec.kind) {
      case "energy-reset":
        ref.meter.resetEnergy(atMs);
        this.log("energy-reset", source, ref, {}, atMs);
        return;
      case "meter-replaced": {
        const serialNumber = spec.serialNumber ?? randomInt(this.random, 20_000_000, 99_999_999);
        const before = ref.meter.serialNumber;
        ref.meter.replace(serialNumber, spec.energyWh, atMs);
        this.log(
          "meter-replaced",
          source,
          ref,
          { serialNumberBefore: before, serialNumber, energyWh: spec.energyWh },
          atMs,
        );
        return;
      }
      case "relay-drop":
        this.dropRelay(ref, atMs);
        return;
    }
  }

  private log(
    kind: SimEvent["kind"],
    source: ChangeSource,
    ref: MeterRef,
    detail: Record<string, unknown>,
    atMs: number,
  ): void {
    logEvent(this.events, { kind, source, ref, detail, atMs });
  }
}
