/** The simulation on a manual clock: deterministic time, timeline, fault expiry and energy. */
import { describe, expect, it } from "vitest";
import { AcceleratedClock, ManualClock } from "../../core/clock.ts";
import { readRequestPdu } from "../../protocols/modbus/pdu.ts";
import { requireProfile } from "../../protocols/profiles/load.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { faultSpecSchema, type FaultSpecInput } from "../faults/fault-spec.ts";
import { Simulation } from "./simulation.ts";

const profiles = loadProfiles();
const hour = 3_600_000;

function setup(seed = 1, speed = 1, start = true) {
  const base = new ManualClock(Date.UTC(2026, 0, 5, 0, 0, 0));
  const clock = new AcceleratedClock(speed, base.now(), base);
  const simulation = new Simulation({ clock, seed });
  for (const unit of [1, 2]) {
    simulation.addMeter("bus", {
      unit,
      profile: requireProfile(profiles, "generic-prepaid"),
      load: { kind: "constant", powerW: 1000 },
    });
  }
  if (start) simulation.start();
  const ref = simulation.findMeter(1);
  const fault = (spec: FaultSpecInput, atMs?: number) =>
    simulation.injectFault(ref, faultSpecSchema.parse(spec), "control", atMs);
  return { base, clock, simulation, ref, fault, bus: simulation.buses.get("bus")! };
}

describe("Simulation", () => {
  it("integrates energy on the simulated clock, accelerated", () => {
    const { base, ref } = setup(1, 60);
    base.advance(60_000); // one real minute at 60x: one simulated hour
    expect(ref.meter.quantities().importEnergyWh).toBeCloseTo(1000, 6);
  });

  it("expires a fault with `for` at its own simulated time, logged as fault-expired", () => {
    const { simulation, ref, fault, clock } = setup();
    fault({ kind: "no-reply", for: "10m" });
    simulation.advance(9 * 60_000);
    expect(ref.meter.faults.has("no-reply")).toBe(true);
    simulation.advance(60_000);
    expect(ref.meter.faults.has("no-reply")).toBe(false);
    const expired = simulation.events.entries.find((e) => e.kind === "fault-expired");
    expect(expired).toMatchObject({ unit: 1, source: "fault", atMs: clock.startMs + 10 * 60_000 });
  });

  it("runs timeline entries at their own times during a jump, so energy does not depend on when it is read", () => {
    const { simulation, ref, clock } = setup();
    simulation.timeline.add({
      atMs: clock.startMs + hour,
      label: "open",
      run: (at) => simulation.setRelay(ref, false, "timeline", at),
    });
    simulation.timeline.add({
      atMs: clock.startMs + 3 * hour,
      label: "close",
      run: (at) => simulation.setRelay(ref, true, "timeline", at),
    });
    simulation.advance(4 * hour);
    // Closed 0-1h and 3-4h: 2 h at 1000 W.
    expect(ref.meter.quantities().importEnergyWh).toBeCloseTo(2000, 6);
    expect(simulation.events.entries.filter((e) => e.kind === "relay-changed").map((e) => e.detail)).toEqual([
      { closed: false },
      { closed: true },
    ]);
  });

  it("runs due entries before a request is answered (not only on its timer)", () => {
    // Not started: no timer is armed, so only the request itself can run the due entry.
    const { simulation, ref, clock, base, bus } = setup(1, 1, false);
    simulation.timeline.add({
      atMs: clock.startMs + 1000,
      label: "drop",
      run: (at) => simulation.setRelay(ref, false, "timeline", at),
    });
    base.advance(2000);
    expect(ref.meter.relayClosed).toBe(true);
    expect(bus.handle(1, readRequestPdu(1, 0, 1))).toEqual({ unit: 1, pdu: Uint8Array.of(1, 1, 0) });
  });

  it("answers per the reply faults, in order: offline beats exception beats line faults", () => {
    const { fault, bus } = setup();
    const read = () => bus.handle(1, readRequestPdu(4, 0, 2));
    fault({ kind: "crc" });
    expect(read()).toMatchObject({ unit: 1, line: { kind: "crc" } });
    fault({ kind: "exception", code: "0B" });
    expect(read()).toEqual({ unit: 1, pdu: Uint8Array.of(0x84, 0x0b) });
    fault({ kind: "offline" });
    expect(read()).toEqual({ silent: true });
  });

  it("missing-registers: reads touching the range answer the exception, the rest of the map still reads", () => {
    const { fault, bus, base } = setup();
    fault({ kind: "missing-registers", fc: 3, address: 0xfc00, count: 2 });
    expect(bus.handle(1, readRequestPdu(3, 0xfc00, 2))).toEqual({ unit: 1, pdu: Uint8Array.of(0x83, 0x02) });
    expect(bus.handle(1, readRequestPdu(3, 0xfc01, 1))).toEqual({ unit: 1, pdu: Uint8Array.of(0x83, 0x02) });
    expect(bus.handle(1, readRequestPdu(4, 0, 2))).toEqual({
      unit: 1,
      pdu: Uint8Array.of(4, 4, 0x43, 0x66, 0, 0),
    });
    // Another code and the coil: the relay state of a prepaid meter can go missing too.
    fault({ kind: "missing-registers", fc: 1, address: 0, code: "04", for: "1m" });
    expect(bus.handle(1, readRequestPdu(1, 0, 1))).toEqual({ unit: 1, pdu: Uint8Array.of(0x81, 0x04) });
    // Serial number 10000001 = 0x00989681.
    expect(bus.handle(1, readRequestPdu(3, 0xfc00, 2))).toEqual({
      unit: 1,
      pdu: Uint8Array.of(3, 4, 0x00, 0x98, 0x96, 0x81),
    });
    base.advance(60_000);
    expect(bus.handle(1, readRequestPdu(1, 0, 1))).toEqual({ unit: 1, pdu: Uint8Array.of(1, 1, 1) });
  });

  it("logs writes to an offline meter as lost and to a stuck relay as ignored", () => {
    const { fault, bus, ref, simulation } = setup();
    const cut = Uint8Array.of(5, 0, 0, 0, 0);
    fault({ kind: "relay-stuck" });
    expect(bus.handle(1, cut)).toEqual({ unit: 1, pdu: cut });
    expect(ref.meter.relayClosed).toBe(true);
    simulation.clearFaults(ref, undefined, "control");
    fault({ kind: "offline" });
    expect(bus.handle(1, cut)).toEqual({ silent: true });
    expect(bus.writeLog.map((w) => w.result)).toEqual(["ignored", "lost"]);
    expect(ref.meter.relayClosed).toBe(true);
  });

  it("draws flaky faults from the seeded stream: same seed, same pattern", () => {
    const pattern = (seed: number) => {
      const { fault, bus } = setup(seed);
      fault({ kind: "no-reply", probability: 0.5 });
      return Array.from({ length: 40 }, () =>
        "silent" in bus.handle(1, readRequestPdu(4, 0, 2)) ? "x" : ".",
      ).join("");
    };
    expect(pattern(7)).toBe(pattern(7));
    expect(pattern(7)).not.toBe(pattern(8));
    expect(pattern(7)).toMatch(/x/);
    expect(pattern(7)).toMatch(/\./);
  });

  it("one-shot faults act once: energy reset, meter replaced (seeded serial), relay drop", () => {
    const run = (seed: number) => {
      const { fault, ref, simulation } = setup(seed);
      simulation.advance(hour);
      fault({ kind: "energy-reset" });
      expect(ref.meter.importEnergyWh).toBe(0);
      fault({ kind: "meter-replaced", energyWh: 5000 });
      expect(ref.meter.importEnergyWh).toBe(5000);
      fault({ kind: "relay-drop" });
      expect(ref.meter.relayClosed).toBe(false);
      expect(ref.meter.faults.list()).toEqual([]);
      return ref.meter.serialNumber;
    };
    expect(run(3)).toBe(run(3));
    expect(run(3)).not.toBe(10_000_001);
  });

  it("reverse energy: export counts into export with negative power; decreasing runs import down", () => {
    const { fault, ref, simulation } = setup();
    ref.meter.importEnergyWh = 5000;
    fault({ kind: "reverse-energy" });
    simulation.advance(hour);
    expect(ref.meter.quantity("powerW")).toBe(-1000);
    expect(ref.meter.quantities().exportEnergyWh).toBeCloseTo(1000, 6);
    fault({ kind: "reverse-energy", mode: "decreasing" });
    simulation.advance(2 * hour);
    expect(ref.meter.quantities().importEnergyWh).toBeCloseTo(3000, 6);
  });

  it("finds meters by unit and says when a unit is ambiguous or missing", () => {
    const { simulation } = setup();
    simulation.addMeter("other", { unit: 1, profile: requireProfile(profiles, "sdm120") });
    expect(() => simulation.findMeter(1)).toThrow(/unit 1 is on buses bus, other/);
    expect(simulation.findMeter(1, "other").bus.name).toBe("other");
    expect(() => simulation.findMeter(9)).toThrow(/no meter at unit 9/);
    expect(() => simulation.findMeter(1, "nope")).toThrow(/no bus 'nope'/);
  });
});
