/**
 * The DL/T 645 driver over a real pty pair (socat), against a meter built from the codec's meter side:
 * what it reads, the bytes it sends (block reads, follow-ups, 0x1C with password and deadline), and how
 * each way a line goes wrong is named.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock, SystemClock } from "../../core/clock.ts";
import { ErrorCode, isGatewayError, type GatewayError } from "../../core/errors.ts";
import { BusScheduler } from "../../gateway/bus/scheduler.ts";
import { Dlt645MeterDriver } from "../../gateway/metering/dlt645-driver.ts";
import { readFields } from "../../gateway/metering/dlt645-reads.ts";
import type { PollResult } from "../../gateway/metering/driver.ts";
import { RelayCommand, encodePassword, type FieldValue } from "../../protocols/dlt645/index.ts";
import type { Dlt645Link } from "../../protocols/dlt645/transport/link.ts";
import { streamDlt645LinkFactory } from "../../protocols/dlt645/transport/stream-link.ts";
import { loadProfiles } from "../../protocols/profiles/io/files.ts";
import { requireDlt645Profile } from "../../protocols/profiles/load.ts";
import { startResponder, type Dlt645Responder, type ResponderMeter } from "../helpers/dlt645-responder.ts";
import { createPtyPair, type PtyPair } from "../helpers/index.ts";

const profiles = loadProfiles();
const address = "000000001668"; // 16 and 68 in the address: frames are found by length, not by scanning

function singlePhaseValues(): Map<number, FieldValue[]> {
  return new Map<number, FieldValue[]>([
    [0x0001ff00, [1_234_560, 100_000, 200_000, 300_000, 634_560]],
    [0x00010000, [1_234_560]],
    [0x00010100, [100_000]],
    [0x00010200, [200_000]],
    [0x00010300, [300_000]],
    [0x00010400, [634_560]],
    [0x0002ff00, [10, 0, 0, 0, 10]],
    [0x00020000, [10]],
    [0x00020100, [0]],
    [0x00020200, [0]],
    [0x00020300, [0]],
    [0x00020400, [10]],
    [0x02010100, [229.7]],
    [0x02020100, [5.123]],
    [0x02030000, [1176.3]],
    [0x02060000, [0.998]],
    [0x02800002, [49.98]],
    [0x03300d00, [3]],
    [0x03110000, [17]],
    [0x04000101, [{ year: 2026, month: 1, day: 5, weekday: 1 }]],
    [0x04000102, [{ hour: 20, minute: 0, second: 7 }]],
  ]);
}

function meter(overrides: Partial<ResponderMeter> = {}): ResponderMeter {
  return {
    address,
    values: singlePhaseValues(),
    refused: new Set(),
    splitAt: new Map(),
    passwordBytes: encodePassword("123456", "low-first"),
    relayOpen: false,
    faults: [],
    ...overrides,
  };
}

let pty: PtyPair;
let responder: Dlt645Responder | undefined;
let scheduler: BusScheduler<Dlt645Link>;
/** Wall time of the driver: 2026-01-05 12:00:00 UTC, 20:00:00 in Shanghai. */
let clock: ManualClock;

beforeEach(async () => {
  pty = await createPtyPair();
  clock = new ManualClock();
  const link = streamDlt645LinkFactory({
    kind: "serial",
    path: pty.a,
    baudRate: 2400,
    parity: "even",
    dataBits: 8,
    stopBits: 1,
  });
  scheduler = new BusScheduler(link, {
    busId: "dl",
    clock: new SystemClock(),
    timeoutMs: 400,
    interFrameGapMs: 2,
  });
});

afterEach(async () => {
  await scheduler.stop();
  await responder?.close();
  responder = undefined;
  await pty.close();
});

function driver(options: { password?: string; order?: "low-first" | "as-written" } = {}) {
  return new Dlt645MeterDriver(requireDlt645Profile(profiles, "dlt645-single-phase"), address, {
    clock,
    timeZone: "Asia/Shanghai",
    credentials: {
      level: 2,
      password: options.password ?? "123456",
      passwordOrder: options.order ?? "low-first",
      operatorCode: "00000042",
    },
  });
}

const run = <T>(fn: (tx: Parameters<Dlt645MeterDriver["poll"]>[0]) => Promise<T>, retries = 0) =>
  scheduler.enqueue({ meterId: "m1", priority: "poll", retries, run: fn });

describe("Dlt645MeterDriver over a real pty", () => {
  it("reads every quantity of the single-phase profile, energy as integer Wh, the relay from status word 3", async () => {
    responder = await startResponder(pty.b, [meter()]);
    const d = driver();
    const result: PollResult = await run((tx) => d.poll(tx));
    expect(result.values).toEqual({
      importEnergyWh: 1_234_560,
      importEnergyT1Wh: 100_000,
      importEnergyT2Wh: 200_000,
      importEnergyT3Wh: 300_000,
      importEnergyT4Wh: 634_560,
      exportEnergyWh: 10,
      exportEnergyT1Wh: 0,
      exportEnergyT2Wh: 0,
      exportEnergyT3Wh: 0,
      exportEnergyT4Wh: 10,
      voltageV: 229.7,
      currentA: 5.123,
      powerW: 1176.3,
      powerFactor: 0.998,
      frequencyHz: 49.98,
      statusWord3: 0,
      coverOpenCount: 3,
      powerDownCount: 17,
      meterClockMs: Date.UTC(2026, 0, 5, 12, 0, 7), // 20:00:07 in Shanghai
    });
    expect(result.relayClosed).toBe(true);
    expect(result.flags).toEqual([]);
    // Total and four tariffs in one request, as the block DI 0001FF00 (sent low byte first, +0x33).
    expect(responder.wire[0]).toBe("68" + "681600000000" + "68" + "11" + "04" + "33323433" + "2f" + "16");
    expect(responder.requests.map((r) => (r.kind === "read" ? r.di.toString(16) : r.kind))).toEqual([
      "1ff00",
      "2ff00",
      "2010100",
      "2020100",
      "2030000",
      "2060000",
      "2800002",
      "4000503",
      "3300d00",
      "3110000",
      "4000101",
      "4000102",
    ]);
  });

  it("follows a split block reply with 0x12 follow-ups and joins the parts", async () => {
    responder = await startResponder(pty.b, [meter({ splitAt: new Map([[0x0001ff00, 8]]) })]);
    const d = driver();
    const result = await run((tx) => d.poll(tx));
    expect(result.values.importEnergyT4Wh).toBe(634_560);
    expect(responder.requests.slice(0, 3)).toMatchObject([
      { kind: "read", di: 0x0001ff00 },
      { kind: "read-follow-up", di: 0x0001ff00, sequence: 1 },
      { kind: "read", di: 0x0002ff00 },
    ]);
  });

  it("reads DI by DI when the meter refuses a block with error 02, and stops asking for the block", async () => {
    responder = await startResponder(pty.b, [meter({ refused: new Set([0x0001ff00, 0x03300d00]) })]);
    const d = driver();
    const first = await run((tx) => d.poll(tx));
    expect(first.values).toMatchObject({
      importEnergyWh: 1_234_560,
      importEnergyT2Wh: 200_000,
      importEnergyT4Wh: 634_560,
    });
    // The cover counter is optional: left out, named, flagged; the reading stands.
    expect(first.values.coverOpenCount).toBeUndefined();
    expect(first.flags).toEqual(["quantity-missing"]);
    expect(first.missing).toMatchObject([
      { quantity: "coverOpenCount", request: "DI 03300D00", exception: 2 },
    ]);
    const asked = responder.requests.length;
    await run((tx) => d.poll(tx));
    const second = responder.requests.slice(asked).map((r) => (r.kind === "read" ? r.di : 0));
    expect(second).not.toContain(0x0001ff00);
    expect(second).not.toContain(0x03300d00);
    expect(second).toContain(0x00010400);
  });

  it("trips with 0x1C 1A and closes with 1C: password low byte first, operator, deadline from the clock", async () => {
    responder = await startResponder(pty.b, [meter()]);
    const d = driver();
    await run((tx) => d.writeRelay(tx, false));
    expect(await run((tx) => d.readRelay(tx))).toBe(false);
    const trip = responder.requests[0];
    expect(trip).toMatchObject({ kind: "relay-control", level: 2, operatorCode: "00000042" });
    if (trip?.kind !== "relay-control") throw new Error("no relay command");
    expect(Buffer.from(trip.passwordBytes).toString("hex")).toBe("563412");
    // N1 1A, N2 00, N3..N8 = 20:10:00 on 2026-01-05 Shanghai time (now + 10 min), ss mm hh DD MM YY.
    expect(Buffer.from(trip.body).toString("hex")).toBe("1a00" + "001020050126");
    await run((tx) => d.writeRelay(tx, true));
    expect(responder.requests[2]).toMatchObject({ kind: "relay-control" });
    if (responder.requests[2]?.kind === "relay-control") expect(responder.requests[2].body[0]).toBe(0x1c);
    expect(await run((tx) => d.readRelay(tx))).toBe(true);
    // The command kind is a parameter: alarm on (2A) takes the same path.
    await run((tx) => d.relayCommand(tx, RelayCommand.alarmOn));
    const alarm = responder.requests.at(-1);
    if (alarm?.kind === "relay-control") expect(alarm.body[0]).toBe(0x2a);
  });

  it("reports a refused 0x1C with the meter's reason and never the password", async () => {
    responder = await startResponder(pty.b, [meter()]);
    const d = driver({ password: "654321" });
    const error = await run((tx) => d.writeRelay(tx, false)).catch((e: unknown) => e);
    expect(isGatewayError(error, ErrorCode.MeterErrorReply)).toBe(true);
    expect((error as GatewayError).message).toBe(
      "meter 000000001668 refused function 1C (reply DC, error 04): password wrong or no authority",
    );
    expect(
      JSON.stringify({ m: (error as GatewayError).message, c: (error as GatewayError).context }),
    ).not.toMatch(/654321|214365/);
  });

  it("names a bad checksum, a wrong address, silence and a cut-short frame, each on its own", async () => {
    responder = await startResponder(pty.b, [meter()]);
    const d = driver();
    const codeOf = async (fault: NonNullable<ResponderMeter["faults"][number]>) => {
      responder!.meters.get(address)!.faults.push(fault);
      const error = await run((tx) => d.readRelay(tx)).catch((e: unknown) => e);
      return isGatewayError(error) ? `${error.code}: ${error.message}` : String(error);
    };
    expect(await codeOf("bad-checksum")).toBe(
      "CRC_ERROR: DI 04000503: meter 000000001668: reply failed its checksum",
    );
    expect(await codeOf("wrong-address")).toBe(
      "WRONG_UNIT: DI 04000503: meter 000000001668: reply came from meter 999999999998, not 000000001668",
    );
    expect(await codeOf("silent")).toMatch(
      /^TIMEOUT: DI 04000503: meter 000000001668: no reply within 4\d\d ms$/,
    );
    expect(await codeOf("truncated")).toMatch(
      /^SHORT_REPLY: DI 04000503: meter 000000001668: reply cut short/,
    );
    // After all that the line still works.
    expect(await run((tx) => d.readRelay(tx))).toBe(true);
  });

  it("never takes a late reply for the answer to the next request", async () => {
    responder = await startResponder(pty.b, [meter()]);
    const d = driver();
    // The status word's reply comes 600 ms late, after the 400 ms timeout: by then the next request
    // (the voltage) is on the wire, and the late frame arrives while it waits.
    responder.meters.get(address)!.faults.push({ lateMs: 600 });
    await expect(run((tx) => d.readRelay(tx))).rejects.toMatchObject({ code: ErrorCode.Timeout });
    const quantity = requireDlt645Profile(profiles, "dlt645-single-phase").singles.find(
      (q) => q.name === "voltageV",
    )!;
    responder.meters.get(address)!.faults.push({ lateMs: 300 });
    const [voltage] = await run((tx) => readFields(tx, address, quantity.entry));
    expect(voltage).toBe(229.7);
  });
});
