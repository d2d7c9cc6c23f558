/**
 * meter-sim's DL/T 645 meters over a real socat pty pair at 2400 8E1, driven by a master built only
 * from the codec (test/helpers/dlt645-master.ts), next to a Modbus bus in the same scenario. What a
 * gateway would see on the wire, and what the control interface shows of it.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  RelayCommand,
  buildBroadcastTime,
  buildReadAddressRequest,
  buildRelayControl,
  decodeDataValues,
  decodeStatusWord3,
  findDataId,
  parseReadAddressReply,
  parseRelayReply,
  type FieldValue,
} from "../../protocols/dlt645/index.ts";
import { openDlt645Master, type Dlt645Master } from "../helpers/dlt645-master.ts";
import { startInProcess } from "../helpers/simulator.ts";
import { startSimulator } from "../../simulator/start.ts";

type Sim = Awaited<ReturnType<typeof startInProcess>>;
let sim: Sim | undefined;
let master: Dlt645Master | undefined;
afterEach(async () => {
  await master?.close();
  await sim?.stop();
  master = undefined;
  sim = undefined;
});

const single = "000000000001";
const three = "000000000101";

async function start(): Promise<{ sim: Sim; master: Dlt645Master }> {
  sim = await startInProcess({
    clock: { start: "2026-12-01T04:00:00Z", utcOffsetMinutes: 480 },
    buses: [
      {
        name: "modbus",
        endpoint: { kind: "tcp", port: 0 },
        meters: [{ units: 1, profile: "sdm120" }],
      },
      {
        name: "dlt",
        protocol: "dlt645",
        endpoint: { kind: "pty", baud: 2400, parity: "even" },
        meters: [
          {
            units: 1,
            profile: "dlt645-single-phase",
            energyWh: 1_234_560,
            load: 1000,
            dlt645: { address: single, password: "123456" },
          },
          {
            units: 2,
            profile: "dlt645-three-phase",
            energyWh: 5_000_000,
            load: 3000,
            dlt645: { address: three, password: "123456", maxPayloadBytes: 8, clockOffsetMs: 120_000 },
          },
        ],
      },
    ],
  });
  master = await openDlt645Master(sim.buses[1]!.address);
  return { sim, master };
}

async function values(m: Dlt645Master, address: string, di: number): Promise<FieldValue[]> {
  const step = await m.read(address, di);
  if (step.kind !== "complete") throw new Error(`${address} ${di.toString(16)}: ${step.error.message}`);
  return decodeDataValues(findDataId(di)!, step.payload);
}

const deadline = { year: 2026, month: 12, day: 2, hour: 0, minute: 0, second: 0 };
const relay = (
  address: string,
  command: (typeof RelayCommand)[keyof typeof RelayCommand],
  password = "123456",
) =>
  buildRelayControl({ address, level: 2, password, operatorCode: "00000001", command, validUntil: deadline });

describe("meter-sim DL/T 645 over a pty pair", () => {
  it("serves a DL/T 645 bus beside a Modbus bus and says so", async () => {
    const { sim } = await start();
    const status = await sim.api.ok<{
      buses: Array<{ name: string; protocol: string; description: string }>;
    }>("GET", "/");
    expect(status.buses.map((b) => [b.name, b.protocol])).toEqual([
      ["modbus", "modbus"],
      ["dlt", "dlt645"],
    ]);
    expect(status.buses[1]!.description).toMatch(/^DL\/T 645 on pty .* \(2400 8E1\)$/);
  });

  it("answers every quantity of the single-phase and three-phase models", async () => {
    const { master: m } = await start();
    expect(await values(m, single, 0x00010000)).toEqual([1_234_560]);
    expect(await values(m, single, 0x02010100)).toEqual([230]);
    expect(await values(m, single, 0x02030000)).toEqual([1000]);
    expect(await values(m, single, 0x02800002)).toEqual([50]);
    expect(await values(m, single, 0x04000101)).toEqual([{ year: 2026, month: 12, day: 1, weekday: 2 }]);
    expect(await values(m, three, 0x0201ff00)).toEqual([230, 230, 230]);
    expect(await values(m, three, 0x02030200)).toEqual([1000]);
    // 20 bytes at 8 per reply: 0xB1 + two 0x12 follow-ups, reassembled by the codec.
    const block = await values(m, three, 0x0001ff00);
    expect(block[0]).toBe(5_000_000);
    expect(block.slice(1)).toEqual([0, 0, 5_000_000, 0]);
    expect(await values(m, three, 0x03300d00)).toEqual([0]);
  });

  it("trips on a correct 0x1C, refuses a wrong password with error 04, and closes after allow-close only on the button", async () => {
    const { sim, master: m } = await start();
    const refused = parseRelayReply(await m.request(relay(single, RelayCommand.trip, "000000")), single);
    expect(refused.kind === "error" && refused.error.errorByte).toBe(0x04);
    expect(parseRelayReply(await m.request(relay(single, RelayCommand.trip)), single)).toEqual({
      kind: "ok",
    });
    const word = (await values(m, single, 0x04000503))[0] as number;
    expect(decodeStatusWord3(word)).toMatchObject({ relayOpen: true, openCommanded: true });
    await m.request(relay(single, RelayCommand.allowClose));
    expect((await sim.api.ok<{ relay: string }>("GET", "/meters/1?bus=dlt")).relay).toBe("open");
    const pressed = await sim.api.ok<{ closed: boolean }>("POST", "/meters/1/button?bus=dlt");
    expect(pressed.closed).toBe(true);
    const writes = await sim.api.ok<{
      writes: Array<{ fc: number; result: string; dlt645: Record<string, unknown> }>;
    }>("GET", "/writes?bus=dlt");
    expect(writes.writes.map((w) => [w.fc, w.dlt645["command"], w.result, w.dlt645["reply"]])).toEqual([
      [0x1c, undefined, "rejected", "error 04"],
      [0x1c, "trip", "applied", "ok"],
      [0x1c, "allowClose", "applied", "ok"],
    ]);
  });

  it("takes a broadcast time within 5 minutes and shows the meter clock corrected", async () => {
    const { sim, master: m } = await start();
    const clock = await sim.api.ok<{ nowMs: number }>("GET", "/clock");
    const local = new Date(clock.nowMs + 8 * 3_600_000);
    await m.send(
      buildBroadcastTime({
        year: local.getUTCFullYear(),
        month: local.getUTCMonth() + 1,
        day: local.getUTCDate(),
        hour: local.getUTCHours(),
        minute: local.getUTCMinutes(),
        second: local.getUTCSeconds(),
      }),
    );
    // A positive signal that the broadcast arrived: the read after it is answered on the same line.
    await values(m, three, 0x04000102);
    const meter = await sim.api.ok<{ dlt645: { clock: { errorMs: number } } }>("GET", "/meters/2?bus=dlt");
    expect(Math.abs(meter.dlt645.clock.errorMs)).toBeLessThan(2000);
    const events = await sim.api.ok<{ events: Array<{ kind: string; unit?: number }> }>(
      "GET",
      "/events?bus=dlt",
    );
    expect(events.events.filter((e) => e.kind === "meter-clock-set").map((e) => e.unit)).toEqual([1, 2]);
  });

  it("keeps answering through split replies and masked 68/16 in the data", async () => {
    const { sim, master: m } = await start();
    await sim.api.ok("POST", "/meters/1/faults?bus=dlt", { kind: "split", pieces: 4, gapMs: 20 });
    await sim.api.ok("POST", "/meters/1/faults?bus=dlt", { kind: "delimiter-data" });
    expect(await values(m, single, 0x02800002)).toEqual([50.35]);
    expect(await values(m, single, 0x04000501)).toEqual([0x16e3]);
    expect(m.framer.counters).toMatchObject({ frames: 2, discardedBytes: 0 });
  });

  it("reads the address with the wildcard when one meter is asked, and garbles it when two answer", async () => {
    const { sim, master: m } = await start();
    await expect(m.request(buildReadAddressRequest(), 500)).rejects.toThrow(/no DL\/T 645 reply/);
    await sim.api.ok("POST", "/meters/2/faults?bus=dlt", { kind: "offline" });
    expect(parseReadAddressReply(await m.request(buildReadAddressRequest()))).toBe(single);
  });
});

describe("startSimulator with DL/T 645 meters on a pty", () => {
  it("serves them at 2400 8E1 and closes an allowed relay on pressButton", async () => {
    const dlt = await startSimulator({
      endpoint: { kind: "pty", baudRate: 2400, parity: "even" },
      meters: [],
      dltMeters: [{ unit: 1, importEnergyWh: 1_000_000, dlt645: { address: single, password: "123456" } }],
    });
    try {
      master = await openDlt645Master(dlt.address);
      expect(await values(master, single, 0x00010000)).toEqual([1_000_000]);
      await master.request(relay(single, RelayCommand.trip));
      await master.request(relay(single, RelayCommand.allowClose));
      expect(dlt.simulation.pressButton(dlt.simulation.findMeter(1))).toBe(true);
      expect(dlt.bus.meters.get(1)!.relayClosed).toBe(true);
    } finally {
      await master?.close();
      master = undefined;
      await dlt.stop();
    }
  });
});
