/** The DL/T 645 slave on a manual clock, driven by frames built with the codec (what a gateway sends). */
import { describe, expect, it } from "vitest";
import { AcceleratedClock, ManualClock } from "../../core/clock.ts";
import {
  MultiFrameRead,
  RelayCommand,
  broadcastTimeFrame,
  decodeDataValues,
  decodeFrame,
  decodeStatusWord3,
  encodeFrame,
  findDataId,
  followUpFrame,
  parseReadReply,
  parseRelayReply,
  readFrame,
  relayControlFrame,
  type Dlt645Frame,
  type RelayCommand as Command,
} from "../../protocols/dlt645/index.ts";
import { faultSpecSchema, type FaultSpecInput } from "../faults/fault-spec.ts";
import { Simulation } from "../core/simulation.ts";
import type { DltReply } from "./dlt-slave.ts";

const address = "000000000001";
/** 2026-12-01 12:00 in China (UTC+8). */
const startMs = Date.UTC(2026, 11, 1, 4, 0, 0);

function setup(dlt645: Record<string, unknown> = {}, energyWh = 1_234_560) {
  const base = new ManualClock(startMs);
  const clock = new AcceleratedClock(1, base.now(), base);
  const simulation = new Simulation({ clock, utcOffsetMinutes: 480 });
  simulation.addBus("line", "dlt645");
  const meter = simulation.addDltMeter("line", {
    unit: 1,
    importEnergyWh: energyWh,
    load: { kind: "constant", powerW: 1000 },
    dlt645: { address, password: "123456", ...dlt645 },
  });
  simulation.start();
  const slave = simulation.dltSlaves.get("line")!;
  const ref = simulation.findMeter(1);
  // Every request goes through the wire encoding and back, as on a line.
  const send = (frame: Dlt645Frame): DltReply => slave.handle(decodeFrame(encodeFrame(frame)));
  const reply = (frame: Dlt645Frame): Dlt645Frame => {
    const answer = send(frame);
    if ("silent" in answer) throw new Error("no reply");
    return answer.frame;
  };
  const fault = (spec: FaultSpecInput) => simulation.injectFault(ref, faultSpecSchema.parse(spec), "control");
  const bus = simulation.buses.get("line")!;
  return { base, clock, simulation, meter, ref, send, reply, fault, bus };
}

const read = (frame: Dlt645Frame, di: number) => {
  const parsed = parseReadReply(frame, { address, di });
  if (parsed.kind !== "data") throw new Error(parsed.error.message);
  return decodeDataValues(findDataId(di)!, parsed.payload);
};

const relay = (
  command: Command,
  password = "123456",
  validUntil = { year: 2026, month: 12, day: 2, hour: 0, minute: 0, second: 0 },
) => relayControlFrame({ address, level: 2, password, operatorCode: "00000001", command, validUntil });

describe("DL/T 645 simulated meter", () => {
  it("answers reads of energy, voltage, power, date and time from its state", () => {
    const { reply } = setup();
    expect(read(reply(readFrame(address, 0x00010000)), 0x00010000)).toEqual([1_234_560]);
    expect(read(reply(readFrame(address, 0x02010100)), 0x02010100)).toEqual([230]);
    expect(read(reply(readFrame(address, 0x02030000)), 0x02030000)).toEqual([1000]);
    expect(read(reply(readFrame(address, 0x04000101)), 0x04000101)).toEqual([
      { year: 2026, month: 12, day: 1, weekday: 2 },
    ]);
    expect(read(reply(readFrame(address, 0x04000102)), 0x04000102)).toEqual([
      { hour: 12, minute: 0, second: 0 },
    ]);
  });
  it("answers error 02 for a DI it does not have and stays silent for another address", () => {
    const { reply, send } = setup();
    const refused = parseReadReply(reply(readFrame(address, 0x02010200)), { address, di: 0x02010200 });
    expect(refused.kind === "error" && refused.error.reasons).toEqual(["no-data"]);
    expect(send(readFrame("000000000002", 0x00010000))).toEqual({ silent: true });
  });
  it("splits the 0001FF00 block into 0xB1 + 0x12 follow-ups when configured", () => {
    const { reply } = setup({ maxPayloadBytes: 8 });
    const multi = new MultiFrameRead(address, 0x0001ff00);
    let step = multi.accept(reply(readFrame(address, 0x0001ff00)));
    const controls: number[] = [];
    while (step.kind === "follow-up") {
      const answer = reply(step.frame);
      controls.push(answer.control);
      step = multi.accept(answer);
    }
    expect(controls).toEqual([0xb2, 0x92]);
    // A repeated follow-up (the reply was lost) gets the same part; a sequence never sent gets D2 02.
    expect(reply(followUpFrame(address, 0x0001ff00, 2)).control).toBe(0x92);
    expect(reply(followUpFrame(address, 0x0001ff00, 3))).toMatchObject({
      control: 0xd2,
      data: Uint8Array.of(0x02),
    });
    expect(step.kind === "complete" && decodeDataValues(findDataId(0x0001ff00)!, step.payload)[0]).toBe(
      1_234_560,
    );
  });
  it("refuses a trip with the wrong password (error 04) and logs it as rejected", () => {
    const { reply, meter, bus } = setup();
    const answer = parseRelayReply(reply(relay(RelayCommand.trip, "654321")), address);
    expect(answer.kind === "error" && answer.error.errorByte).toBe(0x04);
    expect(meter.relayClosed).toBe(true);
    expect(bus.writeLog.at(-1)).toMatchObject({ fc: 0x1c, value: 0x1a, result: "rejected" });
  });
  it("takes the password in the order the meter is configured for", () => {
    const { reply, meter } = setup({ passwordOrder: "as-written" });
    const frame = (passwordOrder: "low-first" | "as-written") =>
      relayControlFrame({
        address,
        level: 2,
        password: "123456",
        passwordOrder,
        operatorCode: "00000001",
        command: RelayCommand.trip,
        validUntil: { year: 2026, month: 12, day: 2, hour: 0, minute: 0, second: 0 },
      });
    expect(parseRelayReply(reply(frame("low-first")), address).kind).toBe("error");
    expect(meter.relayClosed).toBe(true);
    expect(parseRelayReply(reply(frame("as-written")), address)).toEqual({ kind: "ok" });
    expect(meter.relayClosed).toBe(false);
  });
  it("trips, then closes after allow-close only when the button is pressed", () => {
    const { reply, meter, simulation, ref, bus } = setup();
    expect(parseRelayReply(reply(relay(RelayCommand.trip)), address)).toEqual({ kind: "ok" });
    expect(meter.relayClosed).toBe(false);
    const word = read(reply(readFrame(address, 0x04000503)), 0x04000503)[0] as number;
    expect(decodeStatusWord3(word)).toMatchObject({ relayOpen: true, openCommanded: true });
    reply(relay(RelayCommand.allowClose));
    expect(meter.relayClosed).toBe(false);
    expect(simulation.pressButton(ref)).toBe(true);
    expect(meter.relayClosed).toBe(true);
    expect(bus.writeLog.map((w) => [w.value, w.result, w.dlt645?.["command"]])).toEqual([
      [0x1a, "applied", "trip"],
      [0x1b, "applied", "allowClose"],
    ]);
    expect(simulation.events.entries.map((e) => [e.kind, e.source])).toEqual([
      ["relay-changed", "dlt645"],
      ["button-pressed", "control"],
      ["relay-changed", "control"],
    ]);
  });
  it("refuses trips under keep-power and a command past its deadline", () => {
    const { reply, meter } = setup();
    reply(relay(RelayCommand.keepPowerOn));
    const refused = parseRelayReply(reply(relay(RelayCommand.trip)), address);
    expect(refused.kind).toBe("error");
    expect(meter.relayClosed).toBe(true);
    reply(relay(RelayCommand.keepPowerOff));
    const late = relay(RelayCommand.trip, "123456", {
      year: 2026,
      month: 12,
      day: 1,
      hour: 11,
      minute: 0,
      second: 0,
    });
    expect(parseRelayReply(reply(late), address).kind).toBe("error");
    expect(parseRelayReply(reply(relay(RelayCommand.directClose)), address)).toEqual({ kind: "ok" });
  });
  it("pre-trips with 1D and closes by itself after N2 x 5 minutes; 1E waits for the button", () => {
    const { reply, meter, base } = setup();
    const preTrip = (command: Command) =>
      relayControlFrame({
        address,
        level: 2,
        password: "123456",
        operatorCode: "00000001",
        command,
        n2: 2,
        validUntil: { year: 2026, month: 12, day: 2, hour: 0, minute: 0, second: 0 },
      });
    reply(preTrip(RelayCommand.preTripThenClose));
    expect(meter.relayClosed).toBe(false);
    base.advance(9 * 60_000);
    expect(meter.relayClosed).toBe(false);
    base.advance(60_000);
    expect(meter.relayClosed).toBe(true);
    reply(preTrip(RelayCommand.preTripThenAllowClose));
    base.advance(10 * 60_000);
    expect(meter.relayClosed).toBe(false);
    expect(meter.relayFlags).toMatchObject({ openCommanded: false, awaitingButton: true });
  });
  it("accepts a broadcast time within 5 minutes once a day, and nothing bigger", () => {
    const { send, meter, bus } = setup({ clockOffsetMs: 120_000 });
    const at = (minute: number) =>
      broadcastTimeFrame({ year: 2026, month: 12, day: 1, hour: 12, minute, second: 0 });
    expect(send(at(0))).toEqual({ silent: true });
    expect(meter.clockErrorMs()).toBe(0);
    send(at(1));
    expect(bus.writeLog.map((w) => [w.fc, w.result, w.dlt645?.["reason"]])).toEqual([
      [0x08, "applied", undefined],
      [0x08, "rejected", "already set today"],
    ]);
    const far = setup({ clockOffsetMs: 600_000 });
    far.send(at(0));
    expect(far.meter.clockErrorMs()).toBe(600_000);
    expect(far.bus.writeLog[0]!.dlt645?.["reason"]).toBe("correction above 5 minutes");
  });
  it("drifts by its configured ppm", () => {
    const { meter, base } = setup({ clockDriftPpm: 100 });
    base.advance(10 * 3_600_000);
    expect(meter.clockErrorMs()).toBe(3600);
  });
  it("freezes the day's energy at local midnight, per tariff", () => {
    const { meter, base, reply } = setup({}, 0);
    base.advance(13 * 3_600_000); // 12:00 -> 01:00 next day, 1 kW
    const frozen = read(reply(readFrame(address, 0x05060101)), 0x05060101);
    expect(meter.freezes).toHaveLength(1);
    // 12 h at 1 kW: flat 12-18 (6 kWh), peak 18-19 and 21-23 (3 kWh), sharp 19-21 (2 kWh), valley 23-24 (1 kWh).
    expect(frozen).toEqual([12_000, 2_000, 3_000, 6_000, 1_000]);
    expect(read(reply(readFrame(address, 0x05060001)), 0x05060001)).toEqual([
      { year: 2026, month: 12, day: 2, hour: 0, minute: 0 },
    ]);
  });
  it("applies reply faults: error byte, bad checksum, wrong address, split, delimiter data", () => {
    const { send, fault, simulation, ref } = setup();
    fault({ kind: "exception", code: 4 });
    const refused = send(readFrame(address, 0x00010000));
    expect("frame" in refused && refused.frame.control).toBe(0xd1);
    simulation.clearFaults(ref, undefined, "control");
    fault({ kind: "crc" });
    expect(send(readFrame(address, 0x00010000))).toMatchObject({ line: { kind: "crc" } });
    simulation.clearFaults(ref, undefined, "control");
    fault({ kind: "wrong-unit" });
    expect(send(readFrame(address, 0x00010000))).toMatchObject({ frame: { address: "000000000002" } });
    simulation.clearFaults(ref, undefined, "control");
    fault({ kind: "split", pieces: 3 });
    expect(send(readFrame(address, 0x00010000))).toMatchObject({
      line: { kind: "split", pieces: 3, gapMs: 30 },
    });
    simulation.clearFaults(ref, undefined, "control");
    fault({ kind: "delimiter-data" });
    const reply = send(readFrame(address, 0x02800002));
    const wire = "frame" in reply ? encodeFrame(reply.frame) : new Uint8Array();
    expect([...wire.subarray(18, 20)]).toEqual([0x68, 0x83]);
  });
});
