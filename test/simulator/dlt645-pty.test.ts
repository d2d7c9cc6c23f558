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
  buildReadRequest,
  buildRelayControl,
  decodeDataValues,
  decodeStatusWord3,
  findDataId,
  parseReadAddressReply,
  parseRelayReply,
  readTransactionMs,
  type FieldValue,
} from "../../protocols/dlt645/index.ts";
import { openDlt645Master, type Dlt645Master } from "../helpers/dlt645-master.ts";
import { startInProcess } from "../helpers/simulator.ts";
import { waitFor } from "../helpers/index.ts";
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

/**
 * Relay commands' deadline: a year ahead of the real clock, which the simulator started without a
 * clock of its own compares it with (a fixed date here failed every run after it had passed).
 */
const deadline = { year: new Date().getFullYear() + 1, month: 12, day: 2, hour: 0, minute: 0, second: 0 };
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

  it("resynchronises after noise before a reply and after a bad checksum", async () => {
    const { sim, master: m } = await start();
    await sim.api.ok("POST", "/meters/1/faults?bus=dlt", { kind: "garbage", bytes: 12, withReply: true });
    expect(await values(m, single, 0x00010000)).toEqual([1_234_560]);
    expect(m.framer.counters.discardedBytes).toBeGreaterThan(0);
    await sim.api.ok("DELETE", "/meters/1/faults?bus=dlt");
    await sim.api.ok("POST", "/meters/1/faults?bus=dlt", { kind: "crc" });
    await m.send(buildReadRequest(single, 0x00010000));
    await waitFor(() => m.framer.counters.badChecksums === 1, {
      description: "the reply with a bad checksum",
    });
    expect(m.framer.counters.frames).toBe(1);
    await sim.api.ok("DELETE", "/meters/1/faults/crc?bus=dlt");
    expect(await values(m, single, 0x00010000)).toEqual([1_234_560]);
  });

  it("counts cover openings (tamper faults) and power downs set through the control interface", async () => {
    const { sim, master: m } = await start();
    await sim.api.ok("POST", "/meters/2/counters?bus=dlt", { powerDown: 3 });
    await sim.api.ok("POST", "/meters/2/faults?bus=dlt", { kind: "tamper" });
    expect(await values(m, three, 0x03110000)).toEqual([3]);
    expect(await values(m, three, 0x03300d00)).toEqual([1]);
    const modbus = await sim.api.post<{ error: { code: string } }>("/meters/1/counters?bus=modbus", {
      powerDown: 1,
    });
    expect([modbus.status, modbus.body.error.code]).toEqual([400, "INVALID_REQUEST"]);
  });

  it("reads the address with the wildcard when one meter is asked, and garbles it when two answer", async () => {
    const { sim, master: m } = await start();
    await m.send(buildReadAddressRequest());
    const { counters } = m.framer;
    await waitFor(() => counters.discardedBytes + counters.wakeUpBytes >= 16, {
      description: "the colliding replies",
    });
    expect(m.framer.counters.frames).toBe(0);
    await sim.api.ok("POST", "/meters/2/faults?bus=dlt", { kind: "offline" });
    expect(parseReadAddressReply(await m.request(buildReadAddressRequest()))).toBe(single);
  });
});

describe("DL/T 645 line timing", () => {
  it("holds replies to the wire time of 2400 baud plus the turnaround, without a Modbus t3.5", async () => {
    sim = await startInProcess({
      buses: [
        {
          name: "dlt",
          protocol: "dlt645",
          endpoint: { kind: "pty", baud: 2400, parity: "even", lineTiming: { turnaroundMs: 20 } },
          meters: [{ units: 1, profile: "dlt645-single-phase", dlt645: { address: single } }],
        },
      ],
    });
    master = await openDlt645Master(sim.buses[0]!.address);
    const started = performance.now();
    for (let i = 0; i < 4; i++) await values(master, single, 0x00010000);
    const elapsed = performance.now() - started;
    // 20 + 24 bytes x 11 bits at 2400 baud + 20 ms = 221.7 ms a read: no master can be faster.
    expect(elapsed).toBeGreaterThanOrEqual(4 * readTransactionMs(2400, 4, 20) - 5);
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
