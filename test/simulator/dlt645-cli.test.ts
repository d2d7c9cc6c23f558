/**
 * `meter-sim --protocol dlt645` as a child process on a pty at the DL/T 645 defaults (2400 8E1), read by
 * a codec-built master, its relay driven by 0x1C and the button pressed with `meter-sim ctl button`.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  RelayCommand,
  buildRelayControl,
  decodeDataValues,
  findDataId,
  parseRelayReply,
} from "../../protocols/dlt645/index.ts";
import { openDlt645Master, type Dlt645Master } from "../helpers/dlt645-master.ts";
import { runMeterSim, startMeterSim, type MeterSimProcess } from "../helpers/simulator.ts";

let sim: MeterSimProcess | undefined;
let master: Dlt645Master | undefined;
afterEach(async () => {
  await master?.close();
  await sim?.stop();
  master = undefined;
  sim = undefined;
});

describe("meter-sim --protocol dlt645", () => {
  it("serves DL/T 645 meters at 2400 8E1 and closes an allowed relay on `ctl button`", async () => {
    sim = await startMeterSim([
      "--protocol",
      "dlt645",
      "--pty",
      "--units",
      "1-2",
      "--address",
      "000000000011",
      "--password",
      "123456",
      "--energy",
      "1000",
      "--control",
      "0",
    ]);
    const out = sim.output();
    expect(out).toMatch(
      /bus main: 2 meter\(s\) \(dlt645-single-phase units 1-2\), DL\/T 645 on pty \S+ \(2400 8E1\)/,
    );
    const device = /gateway device for bus main: (\S+)/.exec(out)![1]!;
    const url = /control interface on (\S+)/.exec(out)![1]!;
    master = await openDlt645Master(device);
    const step = await master.read("000000000012", 0x00010000);
    expect(step.kind === "complete" && decodeDataValues(findDataId(0x00010000)!, step.payload)).toEqual([
      1000,
    ]);
    const command = (c: number) =>
      buildRelayControl({
        address: "000000000012",
        level: 2,
        password: "123456",
        operatorCode: "00000001",
        command: c as RelayCommand,
        validUntil: { year: 2099, month: 1, day: 1, hour: 0, minute: 0, second: 0 },
      });
    expect(parseRelayReply(await master.request(command(RelayCommand.trip)), "000000000012")).toEqual({
      kind: "ok",
    });
    await master.request(command(RelayCommand.allowClose));
    const pressed = await runMeterSim(["ctl", "--url", url, "button", "2"]);
    expect(pressed.code).toBe(0);
    expect(JSON.parse(pressed.stdout)).toMatchObject({
      closed: true,
      meter: { relay: "closed", dlt645: { address: "000000000012" } },
    });
  });

  it("refuses DL/T 645 flags without --protocol dlt645, and --modbus-tcp with it", async () => {
    const stray = await runMeterSim(["--pty", "--address", "000000000001"]);
    expect(stray.code).toBe(1);
    expect(stray.stderr).toContain("--address goes with --protocol dlt645");
    const tcp = await runMeterSim(["--protocol", "dlt645", "--modbus-tcp", ":0"]);
    expect(tcp.code).toBe(1);
    expect(tcp.stderr).toContain("use --tcp HOST:PORT");
  });
});
