/**
 * Interop with a Modbus master we did not write: mbpoll reads meter-sim (run as a child process, as a
 * tester would) over Modbus TCP and over the pty pair `meter-sim --pty` creates, and gets the profile's
 * values, the right exceptions, and silence for a unit nobody serves.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  controlClient,
  mbpoll,
  mbpollValues,
  runMeterSim,
  startMeterSim,
  type MeterSimProcess,
} from "../helpers/simulator.ts";

/** The `host:port` or device and the control URL from meter-sim's startup lines. */
function served(output: string): { address: string; controlUrl: string | undefined } {
  const device = /gateway device for bus main: (\S+)/.exec(output)?.[1];
  const tcp = /Modbus (?:RTU over )?TCP on (\S+)/.exec(output)?.[1];
  return { address: device ?? tcp!, controlUrl: /control interface on (\S+)/.exec(output)?.[1] };
}

describe("mbpoll against meter-sim over Modbus TCP", () => {
  let sim: MeterSimProcess;
  let port: string;
  let url: string;

  beforeAll(async () => {
    sim = await startMeterSim([
      "--modbus-tcp",
      "127.0.0.1:0",
      "--profile",
      "sdm120",
      "--units",
      "1-3",
      "--energy",
      "1234000",
      "--power",
      "2300",
      "--control",
      "0",
    ]);
    const info = served(sim.output());
    port = info.address.split(":")[1]!;
    url = info.controlUrl!;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const tcp = (unit: number, ...args: string[]) =>
    mbpoll(["-m", "tcp", "-p", port, "-a", String(unit), "-0", "-1", "-o", "0.5", ...args, "127.0.0.1"]);

  it("reads voltage, current, power, frequency and energy as big-endian floats at the SDM120 addresses", async () => {
    const result = await tcp(2, "-t", "3:float", "-B", "-r", "0", "-c", "1");
    expect(result.stderr).toBe("");
    expect(mbpollValues(result.stdout).get(0)).toBe(230);
    const power = mbpollValues((await tcp(2, "-t", "3:float", "-B", "-r", "12", "-c", "1")).stdout).get(12);
    expect(power).toBe(2300);
    expect(mbpollValues((await tcp(2, "-t", "3:float", "-B", "-r", "70", "-c", "1")).stdout).get(70)).toBe(
      50,
    );
    const kWh = mbpollValues((await tcp(2, "-t", "3:float", "-B", "-r", "72", "-c", "1")).stdout).get(72)!;
    expect(kWh).toBeGreaterThanOrEqual(1234);
    expect(kWh).toBeLessThan(1235);
  });

  it("reads the serial number as a big-endian uint32 holding register", async () => {
    const result = await tcp(3, "-t", "4:int", "-B", "-r", String(0xfc00), "-c", "1");
    expect(mbpollValues(result.stdout).get(0xfc00)).toBe(10_000_003);
  });

  it("answers illegal data address for a register outside the profile", async () => {
    const result = await tcp(1, "-t", "3:float", "-B", "-r", "200", "-c", "1");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Illegal data address");
  });

  it("stays silent for a unit nobody serves", async () => {
    const result = await tcp(9, "-t", "3:float", "-B", "-r", "0", "-c", "1");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("timed out");
  });

  it("answers the exception a fault injected with `meter-sim ctl` asks for, and normally once cleared", async () => {
    const inject = await runMeterSim(["ctl", "--url", url, "fault", "1", "exception", "--code", "06"]);
    expect(inject.code).toBe(0);
    const busy = await tcp(1, "-t", "3:float", "-B", "-r", "0", "-c", "1");
    expect(busy.stderr).toContain("Slave device or server is busy");
    expect((await runMeterSim(["ctl", "--url", url, "clear", "1"])).code).toBe(0);
    expect(mbpollValues((await tcp(1, "-t", "3:float", "-B", "-r", "0", "-c", "1")).stdout).get(0)).toBe(230);
    const meter = await controlClient(url).ok<{ faults: unknown[] }>("GET", "/meters/1");
    expect(meter.faults).toEqual([]);
  });
});

describe("mbpoll against meter-sim --pty (Modbus RTU)", () => {
  let sim: MeterSimProcess;
  let device: string;
  let url: string;

  beforeAll(async () => {
    sim = await startMeterSim([
      "--pty",
      "--baud",
      "9600",
      "--profile",
      "generic-prepaid",
      "--units",
      "1-5",
      "--control",
      "0",
    ]);
    const info = served(sim.output());
    device = info.address;
    url = info.controlUrl!;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const rtu = (unit: number, args: string[], writeValues: string[] = []) =>
    mbpoll([
      "-m",
      "rtu",
      "-b",
      "9600",
      "-P",
      "none",
      "-a",
      String(unit),
      "-0",
      "-1",
      "-o",
      "0.5",
      ...args,
      device,
      ...writeValues,
    ]);

  it("prints the gateway's end of the pty pair", () => {
    expect(sim.output()).toMatch(
      /bus main: 5 meter\(s\) \(generic-prepaid units 1-5\), Modbus RTU on pty \S+ \(9600 8N1\)/,
    );
    expect(existsSync(device)).toBe(true);
  });

  it("reads the voltage and the relay coil", async () => {
    expect(mbpollValues((await rtu(4, ["-t", "3:float", "-B", "-r", "0", "-c", "1"])).stdout).get(0)).toBe(
      230,
    );
    expect(mbpollValues((await rtu(4, ["-t", "0", "-r", "0", "-c", "1"])).stdout).get(0)).toBe(1);
  });

  it("logs mbpoll's coil write and opens the relay", async () => {
    const write = await rtu(5, ["-t", "0", "-r", "0"], ["0"]);
    expect(write.code).toBe(0);
    expect(mbpollValues((await rtu(5, ["-t", "0", "-r", "0", "-c", "1"])).stdout).get(0)).toBe(0);
    const { writes } = await controlClient(url).ok<{ writes: Array<Record<string, unknown>> }>(
      "GET",
      "/writes?unit=5",
    );
    expect(writes).toMatchObject([{ bus: "main", unit: 5, fc: 5, address: 0, value: 0, result: "applied" }]);
  });

  it("answers illegal data address outside the profile and nothing for a unit not served", async () => {
    const outside = await rtu(1, ["-t", "3:float", "-B", "-r", "200", "-c", "1"]);
    expect(outside.stderr).toContain("Illegal data address");
    const absent = await rtu(9, ["-t", "3:float", "-B", "-r", "0", "-c", "1"]);
    expect(absent.code).not.toBe(0);
    expect(absent.stderr).toContain("timed out");
  });

  it("on SIGTERM exits 0, ends its socat and removes the device link", async () => {
    const code = await sim.stop();
    expect(code).toBe(0);
    expect(sim.output()).toContain("SIGTERM, stopping");
    expect(existsSync(device)).toBe(false);
    // No process left that still holds the link in its command line (socat would).
    const holders = readdirSync("/proc")
      .filter((pid) => /^\d+$/.test(pid))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(device);
        } catch {
          return false;
        }
      });
    expect(holders).toEqual([]);
  });
});

describe("mbpoll against meter-sim --pty --strict-baud", () => {
  let sim: MeterSimProcess;
  let device: string;

  beforeAll(async () => {
    sim = await startMeterSim([
      "--pty",
      "--baud",
      "4800",
      "--strict-baud",
      "--profile",
      "sdm120",
      "--units",
      "2",
    ]);
    device = served(sim.output()).address;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const voltage = (baud: string) =>
    mbpoll(
      ["-m", "rtu", "-b", baud, "-P", "none", "-a", "2", "-0", "-1", "-o", "0.5", "-t", "3:float"].concat([
        "-B",
        "-r",
        "0",
        "-c",
        "1",
        device,
      ]),
    );

  it("answers a master at its own baud rate only, as a real meter on a mismatched line", async () => {
    const wrong = await voltage("9600");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain("timed out");
    expect(mbpollValues((await voltage("4800")).stdout).get(0)).toBe(230);
  });

  it("is refused without --pty", async () => {
    const result = await runMeterSim(["--modbus-tcp", "127.0.0.1:0", "--strict-baud"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("--strict-baud goes with --pty");
  });
});
