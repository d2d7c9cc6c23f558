/**
 * The HTTP control interface as a test tool uses it: live meters, load, relay, time, the logs, and
 * JSON errors with 4xx statuses for every kind of bad request. The simulated clock runs on a manual
 * base clock here, so energies are exact.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import type { ClockView, MeterView } from "../../simulator/control/views.ts";
import { startInProcess } from "../helpers/simulator.ts";

type Sim = Awaited<ReturnType<typeof startInProcess>>;
let sim: Sim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function start(): Promise<Sim> {
  sim = await startInProcess(
    {
      clock: { start: "2026-01-05T00:00:00Z", seed: 3 },
      buses: [
        {
          name: "a",
          endpoint: { kind: "tcp", port: 0 },
          meters: [{ units: "1-2", profile: "sdm120", energyWh: 1000, load: 2000 }],
        },
        {
          name: "b",
          endpoint: { kind: "rtu-over-tcp", port: 0 },
          meters: [{ units: "2-3", profile: "generic-prepaid", load: 500 }],
        },
      ],
    },
    { baseClock: new ManualClock(Date.UTC(2030, 0, 1)) },
  );
  return sim;
}

describe("control interface", () => {
  it("GET / names the clock, the seed and every bus with its address and units", async () => {
    const { api, buses } = await start();
    const status = await api.ok<{ clock: ClockView; seed: number; buses: Array<Record<string, unknown>> }>(
      "GET",
      "/",
    );
    expect(status.clock).toMatchObject({ now: "2026-01-05T00:00:00.000Z", elapsedMs: 0, speed: 1 });
    expect(status.seed).toBe(3);
    expect(status.buses).toEqual([
      {
        name: "a",
        protocol: "modbus",
        kind: "tcp",
        address: buses[0]!.address,
        description: `Modbus TCP on ${buses[0]!.address}`,
        units: [1, 2],
      },
      {
        name: "b",
        protocol: "modbus",
        kind: "rtu-over-tcp",
        address: buses[1]!.address,
        description: `Modbus RTU over TCP on ${buses[1]!.address}`,
        units: [2, 3],
      },
    ]);
  });

  it("lists meters with live quantities and the registers the gateway would read", async () => {
    const { api } = await start();
    const { meters } = await api.ok<{ meters: MeterView[] }>("GET", "/meters");
    expect(meters.map((m) => `${m.bus}/${m.unit}`)).toEqual(["a/1", "a/2", "b/2", "b/3"]);
    const meter = meters[0]!;
    expect(meter).toMatchObject({
      profile: "sdm120",
      relay: "closed",
      coverOpen: false,
      relayStuck: false,
      loadW: 2000,
      faults: [],
    });
    expect(meter.quantities).toMatchObject({
      voltageV: 230,
      powerW: 2000,
      importEnergyWh: 1000,
      serialNumber: 10_000_001,
    });
    // 230.0 as a big-endian float32 is 0x4366 0x0000, at input register 0.
    expect(meter.registers.find((r) => r.fc === 4 && r.address === 0)!.words.startsWith("4366 0000")).toBe(
      true,
    );
    const onlyB = await api.ok<{ meters: MeterView[] }>("GET", "/meters?bus=b");
    expect(onlyB.meters.map((m) => m.unit)).toEqual([2, 3]);
  });

  it("advances time and changes speed on the one clock; energy follows exactly", async () => {
    const { api } = await start();
    const clock = await api.ok<ClockView>("POST", "/clock/advance", { by: "1h30m" });
    expect(clock).toMatchObject({ now: "2026-01-05T01:30:00.000Z", elapsedMs: 5_400_000 });
    const meter = await api.ok<MeterView>("GET", "/meters/1?bus=a");
    expect(meter.quantities.importEnergyWh).toBeCloseTo(1000 + 3000, 6);
    expect(await api.ok<ClockView>("POST", "/clock/speed", { speed: 60 })).toMatchObject({
      speed: 60,
      elapsedMs: 5_400_000,
    });
  });

  it("sets the load and flips the relay; both are logged as events", async () => {
    const { api } = await start();
    const loaded = await api.ok<MeterView>("POST", "/meters/3/load", {
      load: { kind: "steps", steps: [{ at: 0, powerW: 700 }] },
    });
    expect(loaded.quantities.powerW).toBe(700);
    const opened = await api.ok<MeterView>("POST", "/meters/3/relay", { state: "open" });
    expect(opened).toMatchObject({ relay: "open", loadW: 700, quantities: { powerW: 0 } });
    const { events } = await api.ok<{
      events: Array<{ seq: number; kind: string; bus: string; unit: number; source: string }>;
    }>("GET", "/events");
    expect(events.map((e) => [e.kind, e.bus, e.unit, e.source])).toEqual([
      ["load-changed", "b", 3, "control"],
      ["relay-changed", "b", 3, "control"],
    ]);
    const later = await api.ok<{ events: unknown[] }>("GET", `/events?since=${events[0]!.seq}`);
    expect(later.events).toHaveLength(1);
  });

  it("injects a fault with a probability and lists it; clearing all returns what was active", async () => {
    const { api } = await start();
    const injected = await api.post<{ fault: Record<string, unknown> }>("/meters/1/faults?bus=a", {
      kind: "exception",
      code: "0A",
      probability: 0.5,
      for: "5m",
    });
    expect(injected.status).toBe(201);
    expect(injected.body.fault).toMatchObject({
      kind: "exception",
      spec: { code: 10, probability: 0.5, for: 300_000 },
      hits: 0,
    });
    expect(injected.body.fault["untilMs"]).toBe(Number(injected.body.fault["sinceMs"]) + 300_000);
    await api.ok("POST", "/meters/1/faults?bus=a", { kind: "tamper" });
    expect(await api.ok("DELETE", "/meters/1/faults?bus=a")).toEqual({ cleared: ["exception", "tamper"] });
    expect((await api.ok<MeterView>("GET", "/meters/1?bus=a")).faults).toEqual([]);
  });

  it.each([
    ["GET", "/nowhere", undefined, 404, "NOT_FOUND", "no route /nowhere"],
    ["DELETE", "/clock", undefined, 405, "METHOD_NOT_ALLOWED", "use GET"],
    ["GET", "/meters/9", undefined, 404, "NOT_FOUND", "no meter at unit 9"],
    ["GET", "/meters/2", undefined, 409, "AMBIGUOUS_UNIT", "unit 2 is on buses a, b"],
    ["GET", "/meters/1?bus=zz", undefined, 404, "NOT_FOUND", "no bus 'zz'"],
    ["GET", "/meters/x1", undefined, 400, "INVALID_PATH", "path"],
    ["GET", "/writes?since=-1", undefined, 400, "INVALID_QUERY", "query.since"],
    ["POST", "/meters/1/faults?bus=a", { kind: "delay" }, 400, "INVALID_BODY", "body.delayMs"],
    ["POST", "/meters/1/faults?bus=a", { kind: "melt" }, 400, "INVALID_BODY", "body.kind"],
    [
      "POST",
      "/meters/1/faults?bus=a",
      { kind: "crc", probability: 2 },
      400,
      "INVALID_BODY",
      "body.probability",
    ],
    ["POST", "/meters/1/faults?bus=a", { kind: "exception", code: "0C" }, 400, "INVALID_BODY", "0A and 0B"],
    ["POST", "/meters/1/faults?bus=a", "{not json", 400, "INVALID_JSON", "not JSON"],
    ["POST", "/meters/1/load?bus=a", { load: -3 }, 400, "INVALID_BODY", "body.load"],
    ["POST", "/meters/1/relay?bus=a", { state: "ajar" }, 400, "INVALID_BODY", "body.state"],
    ["POST", "/clock/advance", { by: "soon" }, 400, "INVALID_BODY", "body.by"],
    ["POST", "/clock/speed", { speed: 0 }, 400, "INVALID_BODY", "body.speed"],
    ["DELETE", "/meters/1/faults/relay-drop?bus=a", undefined, 400, "INVALID_REQUEST", "one-shot"],
    ["DELETE", "/meters/1/faults/melt?bus=a", undefined, 404, "NOT_FOUND", "no fault kind 'melt'"],
  ] as const)("%s %s is answered %i %s", async (method, path, body, status, code, message) => {
    const { api } = await start();
    const response =
      method === "GET"
        ? await api.get(path)
        : method === "DELETE"
          ? await api.delete(path)
          : await api.post(path, body);
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: { code, message: expect.stringContaining(message) as string } });
  });

  it("refuses a body above 64 KiB", async () => {
    const { api } = await start();
    const response = await api.post("/clock/advance", JSON.stringify({ by: "1m", pad: "x".repeat(70_000) }));
    expect(response).toMatchObject({ status: 413, body: { error: { code: "BODY_TOO_LARGE" } } });
  });
});
