/**
 * The time-of-use example (simulator/scenarios/tou-day.yaml) run as a tariff engine would see it: a
 * simulated day at 1440x on a manual base clock, energies read over Modbus TCP by the gateway's bus
 * layer at the period boundaries, checked against the curves the file declares.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { ScenarioInput } from "../../simulator/scenario/schema.ts";
import { startBus } from "../helpers/bus-harness.ts";
import { scenariosDir, startInProcess } from "../helpers/simulator.ts";

const hour = 3_600_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The example, on port 0 so tests never collide, with the seed given. */
function example(seed?: number): ScenarioInput {
  const doc = parseYaml(readFileSync(join(scenariosDir, "tou-day.yaml"), "utf8")) as ScenarioInput & {
    buses: Array<{ endpoint: { port: number } }>;
    clock: { seed: number };
  };
  doc.buses[0]!.endpoint.port = 0;
  if (seed !== undefined) doc.clock.seed = seed;
  return doc;
}

async function startDay(seed?: number) {
  const base = new ManualClock(Date.UTC(2030, 0, 1));
  const sim = await startInProcess(example(seed), { baseClock: base, control: false });
  cleanups.push(() => sim.stop());
  const bus = startBus(
    { kind: "tcp", host: "127.0.0.1", port: sim.buses[0]!.port! },
    [1, 2, 3].map((unit) => ({
      id: `u${unit}`,
      unit,
      profile: unit === 1 ? "generic-prepaid" : "sdm120",
      pollIntervalMs: 60_000,
    })),
  );
  cleanups.push(() => bus.stop());
  /** Import energy of every unit, read by the gateway now, Wh. */
  const read = async (): Promise<number[]> =>
    Promise.all([1, 2, 3].map(async (unit) => (await bus.poller.readNow(`u${unit}`)).values.importEnergyWh!));
  /**
   * Moves simulated time to `offsetMs` after the start through the base clock, so timeline timers fire
   * on the way (a speed change midway means another step at the new speed).
   */
  const to = (offsetMs: number) => {
    const clock = sim.simulation.clock;
    for (let step = 0; step < 10 && clock.now() < clock.startMs + offsetMs; step++) {
      base.advance((clock.startMs + offsetMs - clock.now()) / clock.acceleration);
    }
    expect(clock.now()).toBeCloseTo(clock.startMs + offsetMs, 3);
  };
  return { sim, base, read, to };
}

describe("tou-day example: a day of time-of-use load at 1440x", () => {
  it("meters each tariff period's energy as the stepped curve says", async () => {
    const { sim, read, to } = await startDay();
    expect(sim.simulation.clock.acceleration).toBe(1440);
    // valley 00-07 at 400 W, flat 07-08 at 1200 W, peak 08-11 at 3000 W, flat 11-12 at 1200 W.
    const expected = [
      [7 * hour, 2800],
      [8 * hour, 4000],
      [11 * hour, 13_000],
      [12 * hour, 14_200],
    ] as const;
    for (const [offset, wh] of expected) {
      to(offset);
      expect((await read())[0]).toBe(wh);
    }
    // The timeline slowed the clock to 60x at 12:00, logged as a timeline event.
    expect(sim.simulation.clock.acceleration).toBe(60);
    expect(sim.simulation.events.entries.find((e) => e.kind === "speed-changed")).toMatchObject({
      source: "timeline",
      detail: { speed: 60 },
    });
    // The rest of the day: flat 12-18, peak 18-21, flat 21-23, valley 23-24.
    to(24 * hour);
    expect((await read())[0]).toBe(14_200 + 6 * 1200 + 3 * 3000 + 2 * 1200 + 400);
  });

  it("meters the smooth daily curve as its exact integral", async () => {
    const { read, to } = await startDay();
    const doc = example() as { buses: Array<{ meters: Array<{ load: { hourlyW?: number[] } }> }> };
    const points = doc.buses[0]!.meters[1]!.load.hourlyW!;
    // Linear between the hourly points: each hour holds the mean of its two ends.
    const dayWh = points.reduce((sum, p, h) => sum + (p + points[(h + 1) % 24]!) / 2, 0);
    to(24 * hour);
    expect((await read())[1]).toBe(Math.round(dayWh));
  });

  it("the random walk is the same for the same seed and different for another", async () => {
    const day = async (seed?: number) => {
      const { read, to } = await startDay(seed);
      to(24 * hour);
      const [, , walk] = await read();
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      return walk!;
    };
    const first = await day();
    expect(await day()).toBe(first);
    expect(await day(7)).not.toBe(first);
    // 200..4000 W for 24 h.
    expect(first).toBeGreaterThan(4800);
    expect(first).toBeLessThan(96_000);
  });
});
